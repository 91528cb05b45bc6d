import HeapModule
import StripeAPI

extension EmulatorState {
    private enum Timer {
        case expireSession(String), settleSession(String), expireSource(String), settleCharge(String)

        var objectID: String {
            switch self {
            case .expireSession(let id), .settleSession(let id), .expireSource(let id), .settleCharge(let id): id
            }
        }
    }

    /// Runs everything that has fallen due on the virtual clock, oldest first: session expiries, delayed
    /// settlements, source expiries. Each event is dated when its timer fell due. Returns how many fired.
    @discardableResult
    func runTimers() -> Int {
        // Timers are the emulator's own work: they look at every account's objects.
        AccountScope.$current.withValue(.everything) { runTimersInAnyScope() }
    }

    private func runTimersInAnyScope() -> Int {
        let now = nowSeconds
        timerWatch.watchNew(sources: sources.ids, charges: charges.ids)
        var due: [(at: Int, timer: Timer)] = []
        // Each session once, however many of its entries fell due; what it is now decides what fires.
        var looked: Set<String> = []
        for id in sessions.popDue(atOrBefore: now) where looked.insert(id).inserted {
            guard let session = sessions[id] else { continue }
            if session.status == .open, session.expiresAt <= now { due.append((session.expiresAt, .expireSession(session.id))) }
            if let settlement = session.settlement, settlement.at <= now { due.append((settlement.at, .settleSession(session.id))) }
        }
        for id in timerWatch.sources {
            guard let source = sources[id], source.status == .pending || source.status == .chargeable else {
                timerWatch.sources.remove(id)
                continue
            }
            if source.isExpired(at: now, expiry: configuration.sourceExpirySeconds) {
                due.append((source.created + configuration.sourceExpirySeconds, .expireSource(source.id)))
            }
        }
        for id in timerWatch.charges {
            guard let charge = charges[id], let settlement = charge.settlement else {
                timerWatch.charges.remove(id)
                continue
            }
            if settlement.at <= now { due.append((settlement.at, .settleCharge(charge.id))) }
        }
        for (at, timer) in due.sorted(by: { $0.at < $1.at }) {
            // Each fires as its object's owner: what it makes and the events it sends belong to that account.
            AccountScope.$current.withValue(.of(owner(of: timer.objectID))) { fire(timer, at: at) }
        }
        pruneIdempotencyKeys()
        // Subscriptions on the virtual clock (those on a test clock move when it is advanced).
        runBilling(upTo: now, clock: nil)
        return due.count
    }

    private func fire(_ timer: Timer, at time: Int) {
        switch timer {
        case .expireSession(let id):
            guard var session = sessions[id], let type = try? session.expire() else { return }
            sessions[id] = session
            emit(type, object: session.json(), cause: nil, at: time)
        case .settleSession(let id):
            guard var session = sessions[id], let type = session.settle() else { return }
            sessions[id] = session
            settlePayment(of: session, succeeded: session.paymentStatus == .paid, at: time)
            emit(type, object: session.json(), cause: nil, at: time)
        case .expireSource(let id):
            guard var source = sources[id], let type = try? source.cancel() else { return }
            sources[id] = source
            emit(type, object: source.json, cause: nil, at: time)
        case .settleCharge(let id):
            guard var charge = charges[id], let type = charge.settle() else { return }
            charges[id] = charge
            emit(type, object: charge.json, cause: nil, at: time)
            // A debit confirmed on a PaymentIntent: the intent follows its charge.
            if let intentID = charge.paymentIntentID, var intent = paymentIntents[intentID], intent.status == .processing,
                intent.latestChargeID == id
            {
                if charge.status == .succeeded {
                    intent.status = .succeeded
                } else {
                    intent.status = .requiresPaymentMethod
                    intent.lastPaymentError = charge.failureMessage ?? "The debit failed."
                }
                paymentIntents[intentID] = intent
                emit(intent.eventType, object: intent.json, cause: nil, at: time)
            }
        }
    }
}

/// The sources and charges whose timers may still fire. New records join as they appear (records are only
/// ever added). They are few and short-lived: each is looked at every tick and leaves once nothing can fire
/// for it (a source used or ended, a charge settled). Sessions queue their own timers (`SessionRecords`):
/// the bench keeps hundreds open, and every 25 ms tick looked at each inside the actor that the API's calls
/// wait on.
struct TimerWatch: Sendable {
    var sources: Set<String> = []
    var charges: Set<String> = []
    private var seen = (sources: 0, charges: 0)

    /// Takes in the sources and charges made since the last call.
    mutating func watchNew(sources sourceIDs: [String], charges chargeIDs: [String]) {
        if sourceIDs.count > seen.sources { sources.formUnion(sourceIDs[seen.sources...]) }
        if chargeIDs.count > seen.charges { charges.formUnion(chargeIDs[seen.charges...]) }
        seen = (sourceIDs.count, chargeIDs.count)
    }
}

/// Record ids by the virtual second they fall due (swift-collections' `Heap`): the earliest comes out first.
/// An id may be queued more than once (an expiry and a settlement); whoever pops it checks what is due.
struct DueQueue: Sendable {
    private struct Entry: Comparable, Sendable {
        let at: Int
        let id: String
        static func < (left: Entry, right: Entry) -> Bool { (left.at, left.id) < (right.at, right.id) }
    }

    private var heap = Heap<Entry>()

    var count: Int { heap.count }

    mutating func schedule(_ id: String, at second: Int) {
        heap.insert(Entry(at: second, id: id))
    }

    /// Removes and returns, earliest first, the ids due at or before `now`.
    mutating func popDue(atOrBefore now: Int) -> [String] {
        var due: [String] = []
        while let next = heap.min, next.at <= now {
            due.append(next.id)
            heap.removeMin()
        }
        return due
    }
}
