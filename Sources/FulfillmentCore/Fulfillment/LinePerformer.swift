public import Foundation

/// Performs one line through its action in the plan's registry. Pure: the store calls it inside its
/// transaction with the stock it read, then writes what it returns. Every store shares this logic.
public enum LinePerformer {
    /// What performing `line` yields when `available` units are in stock (`nil`: the sku is not tracked).
    public static func perform(
        _ line: PlannedLine, available: Int?, plan: FulfillmentPlan, token: String
    ) -> (line: FulfilledLine, stockTaken: Int, effects: [Dispatch]) {
        // The catalog refused unknown names before planning; a registry changed since then records the payment.
        let action = plan.actions.action(named: line.action.name) ?? RecordAction(name: line.action.name)
        let result = action.perform(line, in: ActionContext(plan: plan, available: available, token: token))
        let fulfilled = FulfilledLine(
            lineItemID: line.lineItemID, description: line.description, quantity: line.quantity,
            amountTotal: line.amountTotal, currency: line.currency, productID: line.productID, action: line.action,
            outcome: result.outcome, performedAt: plan.now)
        return (fulfilled, available == nil ? 0 : result.stockTaken, result.effects)
    }

    /// A random token for an entitlement or a shipment: 128 bits, as 32 lowercase hex digits.
    public static func newToken() -> String {
        RandomToken.hex(byteCount: 16)
    }
}
