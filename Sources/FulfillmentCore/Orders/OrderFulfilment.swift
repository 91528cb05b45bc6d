import Foundation
import Logging

extension OrderPayments {
    /// Fulfils a paid order through the same ledger as a Checkout Session (keyed by the order id): each item
    /// performed by its action, stock taken, effects queued, the confirmation (listing what was delivered)
    /// and `order.paid` queued, all once. Called after every change that leaves the order paid, so a crash
    /// between the payment and the fulfilment is mended by the next event, page view or replay.
    func fulfilIfPaid(_ order: Order) async throws {
        guard order.status == .paid else { return }
        if try await store.purchase(subjectID: order.id)?.status == .fulfilled { return }
        if case .committed = try await store.commitFulfillment(plan(for: order)) {
            logger.info("order fulfilled", metadata: ["order.id": "\(order.id)", "order.lines": "\(order.items.count)"])
        }
    }

    func plan(for order: Order) -> FulfillmentPlan {
        let lines = order.items.enumerated().map { index, item in
            PlannedLine(
                lineItemID: "\(order.id)-\(index + 1)", description: item.name, quantity: item.quantity,
                amountTotal: item.quantity * item.unitAmount, currency: order.currency, productID: item.product,
                action: item.action ?? .recordOnly)
        }
        let at = now()
        let notifier = self.notifier
        let pageURL = pageURL(orderID: order.id)
        let publicURL = self.publicURL
        return FulfillmentPlan(
            subjectID: order.id, kind: .order, paymentIntentID: order.paymentIntentID, customerEmail: order.customerEmail, customerName: order.customerName,
            amountTotal: order.amount, currency: order.currency, shipping: nil, lines: lines,
            objectJSON: (try? JSONEncoder().encode(order)) ?? Data(),
            receipt: { lines in OrderEmails.confirmed(order: order, lines: lines, pageURL: pageURL) },
            accessURL: { token in "\(publicURL)/access/\(token)" },
            notifications: { record in notifier.orderPaid(order, record: record, now: at) }, actions: catalog.actions,
            account: order.account, now: at)
    }
}
