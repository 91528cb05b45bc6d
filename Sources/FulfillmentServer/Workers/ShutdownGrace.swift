import ServiceLifecycle

/// Runs a worker's `work` until it returns; once graceful shutdown begins, it has `hold` more to finish what
/// it holds, and is then cancelled (what it still holds is given back by the work's own cancellation path).
/// Without it a worker waited for every claimed item however long Stripe or a mail server took, and a
/// supervisor's SIGKILL then left its claims leased for a minute.
func withShutdownGrace(_ hold: Duration, _ work: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await work() }
        group.addTask {
            // Ends at once (cancelled) when the work returns first.
            guard (try? await gracefulShutdown()) != nil, !Task.isCancelled else { return }
            try? await Task.sleep(for: hold)
        }
        await group.next()
        group.cancelAll()
    }
}
