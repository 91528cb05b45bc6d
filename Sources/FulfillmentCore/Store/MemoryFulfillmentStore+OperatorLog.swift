public import Foundation

extension MemoryFulfillmentStore {
    public func recordOperatorAction(_ action: OperatorAction) async throws { operatorLog.append(action) }

    public func operatorActions(limit: Int) async throws -> [OperatorAction] { Array(operatorLog.reversed().prefix(limit)) }
}
