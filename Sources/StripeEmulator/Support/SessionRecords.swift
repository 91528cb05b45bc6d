/// The Checkout Sessions, newest last, with the queue of their timers. Storing a session queues what may fire
/// for it, so no path that makes or changes a session can forget its timers: its expiry when it is stored open
/// (again if its `expires_at` moved), its delayed settlement when one is set. An entry the session has
/// outgrown by its time (paid, expired, settled) fires nothing: whoever pops it checks what is due.
struct SessionRecords: Sendable {
    private var records = OrderedRecords<CheckoutSessionRecord>()
    private var timers = DueQueue()

    subscript(id: String) -> CheckoutSessionRecord? {
        get { records[id] }
        set {
            let before = records[id]
            records[id] = newValue
            guard let session = newValue else { return }
            if session.status == .open, before?.status != .open || before?.expiresAt != session.expiresAt {
                timers.schedule(id, at: session.expiresAt)
            }
            if let settlement = session.settlement, before?.settlement?.at != settlement.at {
                timers.schedule(id, at: settlement.at)
            }
        }
    }

    /// The connected account a session belongs to (nil: the platform's), whatever the scope.
    func owner(of id: String) -> String? { records.owner(of: id) }

    /// Every session, newest first.
    var newestFirst: [CheckoutSessionRecord] { records.newestFirst }

    /// How many timer entries wait (an entry per expiry or settlement queued, until it falls due).
    var queuedTimers: Int { timers.count }

    /// Removes and returns, earliest first, the ids of sessions with a timer due at or before `now` (an id
    /// with two entries due comes out twice).
    mutating func popDue(atOrBefore now: Int) -> [String] {
        timers.popDue(atOrBefore: now)
    }
}
