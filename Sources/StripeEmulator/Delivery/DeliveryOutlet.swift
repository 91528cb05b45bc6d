/// Where the emulator's state hands over delivery attempts the moment they are claimed; the delivery service
/// sends each one as it comes out. Stripe sends every event on its own as soon as it exists. Before, the
/// state rang a doorbell and the sender then asked it for what was due: that question queued on the state's
/// actor behind the API calls of a burst (each payment of 16 at once), so a burst went out in waves, the
/// second waiting 3-6 ms for the first's payments to be answered.
final class DeliveryOutlet: Sendable {
    let attempts: AsyncStream<DeliveryJob>
    private let continuation: AsyncStream<DeliveryJob>.Continuation

    init() {
        (attempts, continuation) = AsyncStream.makeStream(of: DeliveryJob.self)
    }

    func send(_ jobs: [DeliveryJob]) {
        for job in jobs { continuation.yield(job) }
    }
}
