import Synchronization

/// Answers a refused attempt at a guarded door only after a pause, so that a guesser who waits for its
/// answers (as HTTP clients do) makes at most one attempt per pause and connection: the refusals then cost
/// the shop almost nothing. A pause holds no thread, only the connection; past `maximumPaused` refusals
/// pausing at once, the rest are answered at once.
final class RefusalPause: Sendable {
    let duration: Duration
    let maximumPaused: Int
    private let paused = Atomic<Int>(0)

    init(duration: Duration = .seconds(1), maximumPaused: Int = 512) {
        self.duration = duration
        self.maximumPaused = maximumPaused
    }

    func pause() async {
        defer { paused.wrappingSubtract(1, ordering: .relaxed) }
        guard paused.wrappingAdd(1, ordering: .relaxed).newValue <= maximumPaused, duration > .zero else { return }
        try? await Task.sleep(for: duration)
    }
}
