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
        var due: [(at: Int, timer: Timer)] = []
        for session in sessions.oldestFirst {
            if session.status == .open, session.expiresAt <= now { due.append((session.expiresAt, .expireSession(session.id))) }
            if let settlement = session.settlement, settlement.at <= now { due.append((settlement.at, .settleSession(session.id))) }
        }
        for source in sources.oldestFirst where source.isExpired(at: now, expiry: configuration.sourceExpirySeconds) {
            due.append((source.created + configuration.sourceExpirySeconds, .expireSource(source.id)))
        }
        for charge in charges.oldestFirst {
            if let settlement = charge.settlement, settlement.at <= now { due.append((settlement.at, .settleCharge(charge.id))) }
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
