public import Foundation

/// How the emulator behaves. Every time and every random choice can be set, so tests are repeatable.
public struct EmulatorConfiguration: Sendable {
    /// The base URL of hosted pages (`session.url`, `source.redirect.url`). `nil`: taken from each
    /// request's `Host` header, which is right whenever clients reach the emulator directly.
    public var publicBaseURL: String?
    /// Registers this URL for all events at start, as `stripe listen --forward-to` does.
    public var forwardTo: String?
    /// Forward as an event destination of thin events rather than a webhook endpoint of snapshot events.
    public var forwardThin = false
    /// The signing secret of the `forwardTo` endpoint (a fresh `whsec_` one when `nil`).
    public var webhookSecret: String?
    /// The wait before the first webhook retry; each further retry waits twice as long, up to
    /// `webhookRetryCap`.
    public var webhookRetryBase: Duration
    /// The longest wait between two attempts.
    public var webhookRetryCap: Duration
    /// How long (on the virtual clock) a failing delivery is retried before it is given up, as Stripe does
    /// for about three days in live mode.
    public var webhookRetryWindow: Duration
    /// Attempts per delivery, the first included, before it is given up as failed (however much of the
    /// window is left); by default only the window limits them.
    public var webhookMaxAttempts: Int
    /// How long an endpoint has to answer one delivery attempt.
    public var webhookTimeout: Duration
    /// Virtual seconds before a delayed payment (SEPA debit, SOFORT, delayed checkout) settles.
    public var delayedSettlementSeconds: Int
    /// Virtual seconds after which an unused single-use source, or one never authorised, is canceled.
    public var sourceExpirySeconds: Int
    /// How often timers (expiries, settlements, due retries) are checked in real time.
    public var tickInterval: Duration
    /// Real wall-clock time; webhook signatures always carry it, never the virtual clock.
    public var wallClock: @Sendable () -> Date
    /// Seeds ids, fault draws and shuffles; `nil` seeds from the system.
    public var randomSeed: UInt64?

    public init(
        publicBaseURL: String? = nil, forwardTo: String? = nil, forwardThin: Bool = false, webhookSecret: String? = nil,
        webhookRetryBase: Duration = .seconds(30), webhookRetryCap: Duration = .seconds(3600),
        webhookRetryWindow: Duration = .seconds(3 * 24 * 3600), webhookMaxAttempts: Int = .max,
        webhookTimeout: Duration = .seconds(10),
        delayedSettlementSeconds: Int = 20, sourceExpirySeconds: Int = 6 * 3600, tickInterval: Duration = .milliseconds(25),
        wallClock: @escaping @Sendable () -> Date = { Date() }, randomSeed: UInt64? = nil
    ) {
        self.publicBaseURL = publicBaseURL
        self.forwardTo = forwardTo
        self.forwardThin = forwardThin
        self.webhookSecret = webhookSecret
        self.webhookRetryBase = webhookRetryBase
        self.webhookRetryCap = webhookRetryCap
        self.webhookRetryWindow = webhookRetryWindow
        self.webhookMaxAttempts = max(1, webhookMaxAttempts)
        self.webhookTimeout = webhookTimeout
        self.delayedSettlementSeconds = delayedSettlementSeconds
        self.sourceExpirySeconds = sourceExpirySeconds
        self.tickInterval = tickInterval
        self.wallClock = wallClock
        self.randomSeed = randomSeed
    }
}
