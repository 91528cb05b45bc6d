import Foundation
public import FulfillmentCore
import NIOCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func recordOperatorAction(_ action: OperatorAction) async throws {
        try await query(
            "INSERT INTO operator_actions (at, actor, action, detail) VALUES (\(action.at), \(action.actor), \(action.action), \(action.detail))")
    }

    public func operatorActions(limit: Int) async throws -> [OperatorAction] {
        var actions: [OperatorAction] = []
        for try await (at, actor, action, detail) in try await query(
            "SELECT at, actor, action, detail FROM operator_actions ORDER BY id DESC LIMIT \(limit)"
        ).decode((Date, String, String, String).self) {
            actions.append(OperatorAction(at: at, actor: actor, action: action, detail: detail))
        }
        return actions
    }
}
