public import Foundation

/// The operators' audit log: what was done (or tried) through the console, the API and the command line.
public protocol OperatorLog: Sendable {
    /// Records what an operator did (or tried: a refused sign-in), for the console's audit log.
    func recordOperatorAction(_ action: OperatorAction) async throws

    /// Operator actions, newest first.
    func operatorActions(limit: Int) async throws -> [OperatorAction]
}
