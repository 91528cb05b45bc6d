/// The actions every registry starts with.
public enum BuiltInActions {
    public static let digital = "digital"
    public static let physical = "physical"
    public static let stock = "stock"
    public static let none = "none"
    public static let notify = "notify"

    static var all: [any FulfillmentAction] {
        [DigitalAction(), PhysicalAction(), StockAction(), RecordAction(name: none), RecordAction(name: notify)]
    }
}

/// `digital`: an entitlement for the customer, with an access link (revoked by a full refund or a lost dispute).
struct DigitalAction: FulfillmentAction {
    let name = BuiltInActions.digital
    let needsSKU = false

    func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult {
        ActionResult(outcome: .accessGranted(accessURL: context.plan.accessURL(context.token)))
    }
}

/// `physical`: a shipment to the session's address; with a tracked sku, stock is taken, never below zero
/// (what cannot be served is backordered).
struct PhysicalAction: FulfillmentAction {
    let name = BuiltInActions.physical
    let needsSKU = false

    func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult {
        let served = context.available.map { min(max($0, 0), line.quantity) } ?? line.quantity
        return ActionResult(
            outcome: .shipped(shipmentID: "shp_" + context.token.prefix(16), quantity: served, backordered: line.quantity - served),
            stockTaken: context.available == nil ? 0 : served)
    }
}

/// `stock`: takes stock only (a ticket, a seat); what cannot be served is backordered.
struct StockAction: FulfillmentAction {
    let name = BuiltInActions.stock
    let needsSKU = true

    func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult {
        let served = min(max(context.available ?? 0, 0), line.quantity)
        return ActionResult(outcome: .stockTaken(quantity: served, backordered: line.quantity - served), stockTaken: served)
    }
}

/// `none` and `notify`: the payment is recorded (and, with `MERCHANT_WEBHOOK_URL`, the merchant is told in
/// `checkout.fulfilled`, which for `notify` is the whole fulfilment).
struct RecordAction: FulfillmentAction {
    let name: String
    let needsSKU = false

    func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult {
        ActionResult(outcome: .recorded)
    }
}
