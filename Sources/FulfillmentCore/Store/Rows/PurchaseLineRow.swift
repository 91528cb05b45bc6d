public import Foundation

/// A `purchase_lines` row: one line of a fulfilled purchase and what was performed for it, in the columns every
/// SQL store keeps (the coding keys are the column names).
public struct PurchaseLineRow: Sendable, Hashable, Codable {
    public var subjectID: String
    public var lineItemID: String
    public var position: Int
    public var description: String
    public var quantity: Int
    public var amountTotal: Int
    public var currency: String
    public var productID: String?
    /// The action's name (data: built-in or registered).
    public var action: String
    public var sku: String?
    public var outcome: LineOutcome.Kind
    /// The entitlement's token, for `digital` lines (unique: the access page looks it up).
    public var accessToken: String?
    public var accessURL: String?
    public var shipmentID: String?
    public var servedQuantity: Int
    public var backorderedQuantity: Int
    public var performedAt: Date

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case subjectID = "subject_id"
        case lineItemID = "line_item_id"
        case position, description, quantity
        case amountTotal = "amount_total"
        case currency
        case productID = "product_id"
        case action, sku, outcome
        case accessToken = "access_token"
        case accessURL = "access_url"
        case shipmentID = "shipment_id"
        case servedQuantity = "served_quantity"
        case backorderedQuantity = "backordered_quantity"
        case performedAt = "performed_at"
    }

    public init(
        subjectID: String, lineItemID: String, position: Int, description: String, quantity: Int, amountTotal: Int,
        currency: String, productID: String?, action: String, sku: String?, outcome: LineOutcome.Kind,
        accessToken: String?, accessURL: String?, shipmentID: String?, servedQuantity: Int, backorderedQuantity: Int,
        performedAt: Date
    ) {
        self.subjectID = subjectID
        self.lineItemID = lineItemID
        self.position = position
        self.description = description
        self.quantity = quantity
        self.amountTotal = amountTotal
        self.currency = currency
        self.productID = productID
        self.action = action
        self.sku = sku
        self.outcome = outcome
        self.accessToken = accessToken
        self.accessURL = accessURL
        self.shipmentID = shipmentID
        self.servedQuantity = servedQuantity
        self.backorderedQuantity = backorderedQuantity
        self.performedAt = performedAt
    }

    /// The row for `line`, at `position` in its purchase; `token` is the entitlement's, for a `digital` line.
    public init(_ line: FulfilledLine, subjectID: String, position: Int, token: String) {
        var accessToken: String?, accessURL: String?, shipmentID: String?
        var served = line.quantity
        switch line.outcome {
        case .accessGranted(let url):
            accessToken = token
            accessURL = url
        case .shipped(let id, let quantity, _):
            shipmentID = id
            served = quantity
        case .stockTaken(let quantity, _):
            served = quantity
        case .recorded, .queued:
            break
        }
        self.init(
            subjectID: subjectID, lineItemID: line.lineItemID, position: position, description: line.description,
            quantity: line.quantity, amountTotal: line.amountTotal, currency: line.currency, productID: line.productID,
            action: line.action.name, sku: line.action.sku, outcome: line.outcome.kind, accessToken: accessToken,
            accessURL: accessURL, shipmentID: shipmentID, servedQuantity: served,
            backorderedQuantity: line.outcome.backordered, performedAt: line.performedAt)
    }

    /// The fulfilled line this row records.
    public var line: FulfilledLine {
        let outcome: LineOutcome
        switch self.outcome {
        case .accessGranted: outcome = .accessGranted(accessURL: accessURL ?? "")
        case .shipped: outcome = .shipped(shipmentID: shipmentID ?? "", quantity: servedQuantity, backordered: backorderedQuantity)
        case .stockTaken: outcome = .stockTaken(quantity: servedQuantity, backordered: backorderedQuantity)
        case .recorded: outcome = .recorded
        case .queued: outcome = .queued(effectID: ActionEffect.key(action: action, subjectID: subjectID, lineItemID: lineItemID))
        }
        return FulfilledLine(
            lineItemID: lineItemID, description: description, quantity: quantity, amountTotal: amountTotal,
            currency: currency, productID: productID, action: LineItemAction(name: action, sku: sku), outcome: outcome,
            performedAt: performedAt)
    }
}
