public import Foundation

/// Decides what performing one line does, given the stock there is. Pure: the store calls it inside its
/// transaction with the stock it read, then writes what it returns. Every store shares this logic.
public enum LinePerformer {
    /// What performing `line` yields when `available` units are in stock (`nil`: the sku is not tracked).
    public static func perform(
        _ line: PlannedLine, available: Int?, plan: FulfillmentPlan, token: String
    ) -> (line: FulfilledLine, stockTaken: Int) {
        let outcome: LineOutcome
        var taken = 0
        switch line.action {
        case .grantAccess:
            outcome = .accessGranted(accessURL: plan.accessURL(token))
        case .ship:
            taken = available.map { min(max($0, 0), line.quantity) } ?? line.quantity
            outcome = .shipped(shipmentID: "shp_" + token.prefix(16), quantity: taken, backordered: line.quantity - taken)
            if available == nil { taken = 0 }
        case .takeStock:
            taken = min(max(available ?? 0, 0), line.quantity)
            outcome = .stockTaken(quantity: taken, backordered: line.quantity - taken)
        case .recordOnly:
            outcome = .recorded
        }
        let fulfilled = FulfilledLine(
            lineItemID: line.lineItemID, description: line.description, quantity: line.quantity,
            amountTotal: line.amountTotal, currency: line.currency, productID: line.productID, action: line.action,
            outcome: outcome, performedAt: plan.now)
        return (fulfilled, taken)
    }

    /// A random token for an entitlement or a shipment.
    public static func newToken() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
