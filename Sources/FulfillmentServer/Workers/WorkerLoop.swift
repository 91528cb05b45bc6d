import ServiceLifecycle
import StripeAPI
import Synchronization

/// The loop both outgoing workers run: a batch whenever the doorbell rings (new work) or the poll interval
/// passes. It stops claiming on graceful shutdown, finishing the batch in hand within `hold` (a batch gives
/// back what it will not start, `Task.isShuttingDownGracefully`), and is cancelled after that (a batch gives
/// back what it was cancelled in). `afterWaking` runs each time it wakes from an idle wait, before the batch
/// (work that gives way to other work waits there).
enum WorkerLoop {
    static func run(
        doorbell: Doorbell, pollInterval: Duration, hold: Duration, afterWaking: @escaping @Sendable () async -> Void = {},
        runBatch: @escaping @Sendable () async -> Int
    ) async {
        await withShutdownGrace(hold) {
            await loop(doorbell: doorbell, pollInterval: pollInterval, afterWaking: afterWaking, runBatch: runBatch)
        }
    }

    private static func loop(
        doorbell: Doorbell, pollInterval: Duration, afterWaking: @escaping @Sendable () async -> Void,
        runBatch: @escaping @Sendable () async -> Int
    ) async {
        let stopping = ShutdownFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !stopping.isSet, !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        doorbell.ring()
                    }
                }
                while !stopping.isSet, !Task.isCancelled {
                    let handled = await runBatch()
                    if handled == 0, !stopping.isSet, !Task.isCancelled {
                        await doorbell.wait()
                        await afterWaking()
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
            doorbell.ring()
        }
    }
}

/// Set once when graceful shutdown begins.
final class ShutdownFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
