import StripeAPI
import Testing

/// The client-side limiter: a burst up to its size goes at once; past it, each request's turn comes at the
/// rate, in order, and never sooner.
@Suite struct RequestPacerTests {
    @Test func aBurstGoesAtOnceThenRequestsAreSpacedAtTheRate() {
        let pacer = RequestPacer(rate: 20, burst: 5)
        let now = ContinuousClock.now
        let waits = (0..<9).map { _ in pacer.reserve(at: now) }
        #expect(waits.prefix(5).allSatisfy { $0 == .zero }, "the burst")
        #expect(Array(waits.dropFirst(5)) == [.milliseconds(50), .milliseconds(100), .milliseconds(150), .milliseconds(200)])
    }

    @Test func tokensComeBackWithTimeUpToTheBurstOnly() {
        let pacer = RequestPacer(rate: 10, burst: 2)
        let start = ContinuousClock.now
        #expect(pacer.reserve(at: start) == .zero && pacer.reserve(at: start) == .zero)
        #expect(pacer.reserve(at: start) == .milliseconds(100))
        // A long quiet spell refills to the burst, not beyond.
        let later = start + .seconds(60)
        #expect((0..<2).map { _ in pacer.reserve(at: later) } == [.zero, .zero])
        #expect(pacer.reserve(at: later) == .milliseconds(100))
    }

    @Test func neverLetsMoreThanTheRatePlusTheBurstThroughInAnySecond() {
        let pacer = RequestPacer(rate: 25, burst: 6)
        let start = ContinuousClock.now
        // 200 callers at once: their turns, as offsets from now.
        let turns = (0..<200).map { _ in pacer.reserve(at: start) }
        for first in turns.indices {
            let window = turns[first...].prefix { $0 - turns[first] < .seconds(1) }
            #expect(window.count <= 25 + 6)
        }
        #expect(turns.last! >= .milliseconds(Int64((200 - 6) * 40)) - .milliseconds(1))
    }
}
