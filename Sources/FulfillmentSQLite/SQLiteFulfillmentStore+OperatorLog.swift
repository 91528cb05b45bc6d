import Foundation
public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func recordOperatorAction(_ action: OperatorAction) async throws {
        try await writer.write { db in
            try db.run(
                "INSERT INTO operator_actions (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                [action.at.timeIntervalSince1970, action.actor, action.action, action.detail])
        }
    }

    public func operatorActions(limit: Int) async throws -> [OperatorAction] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM operator_actions ORDER BY id DESC LIMIT ?"), arguments: [limit]).map {
                OperatorAction(at: Date(timeIntervalSince1970: $0["at"]), actor: $0["actor"], action: $0["action"], detail: $0["detail"])
            }
        }
    }
}
