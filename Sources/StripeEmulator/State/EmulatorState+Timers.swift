import StripeAPI

extension EmulatorState {
    private enum Timer {
        case expireSession(String), settleSession(String), expireSource(String), settleCharge(String)
    }

    /// Runs everything that has fallen due on the virtual clock, oldest first: session expiries, delayed
    /// settlements, source expiries. Each event is dated when its timer fell due. Returns how many fired.
    @discardableResult
    func runTimers() -> Int {
        let now = nowSeconds
        timerWatch.watchNew(sessions: sessions.ids, sources: sources.ids, charges: charges.ids)
        var due: [(at: Int, timer: Timer)] = []
        for id in timerWatch.sessions {
            guard let session = sessions[id], session.status == .open || session.settlement != nil else {
                timerWatch.sessions.remove(id)
                continue
            }
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
            fire(timer, at: at)
        }
        pruneIdempotencyKeys()
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
        }
    }
}

/// The records whose timers may still fire. New records join as they appear (records are only ever added);
/// each leaves once nothing can fire for it (a session completed and settled, a source used or ended, a
/// charge settled), so a tick costs what is live, not everything ever created.
struct TimerWatch: Sendable {
    var sessions: Set<String> = []
    var sources: Set<String> = []
    var charges: Set<String> = []
    private var seen = (sessions: 0, sources: 0, charges: 0)

    mutating func watchNew(sessions sessionIDs: [String], sources sourceIDs: [String], charges chargeIDs: [String]) {
        if sessionIDs.count > seen.sessions { sessions.formUnion(sessionIDs[seen.sessions...]) }
        if sourceIDs.count > seen.sources { sources.formUnion(sourceIDs[seen.sources...]) }
        if chargeIDs.count > seen.charges { charges.formUnion(chargeIDs[seen.charges...]) }
        seen = (sessionIDs.count, sourceIDs.count, chargeIDs.count)
    }
}
