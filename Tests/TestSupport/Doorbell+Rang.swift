package import StripeAPI

extension Doorbell {
    /// Whether the bell rings (or has rung since its last wait) within `timeout`. Consumes the ring.
    package func rings(within timeout: Duration = .seconds(5)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.wait()
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
