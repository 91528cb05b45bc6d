import Foundation
import FulfillmentCore

/// Who may create which order (`POST /api/orders`): with `Authorization: Bearer ORDER_API_KEY`, the merchant's
/// backend may price items itself; anyone else may order only items that name a Stripe price, which the
/// service prices. A `retry_url` (shown on the order page) must be on an allowed origin, compared on scheme,
/// host and port after a parse that reads it as browsers do (`ReturnURL`), so the service is no relay for
/// links elsewhere.
struct OrderDoor: Sendable {
    /// `ORDER_API_KEY`, checked at its throttled door (`Doors.checkBearer`).
    let apiKey: String?
    let allowedOrigins: Set<WebOrigin>

    enum Refusal: Error {
        case unauthorized(String)
        case forbidden(String)
        case badRequest(String)
    }

    /// Checks what the caller (the merchant's backend when `merchant`) may order.
    func check(_ order: OrderRequest.Validated, merchant: Bool) throws(Refusal) {
        if !merchant, order.lines.contains(where: { $0.price == nil }) {
            throw .forbidden(
                "Items priced by the caller (unit_amount, amount) need Authorization: Bearer ORDER_API_KEY; "
                    + "otherwise order items by Stripe price id ({\"price\": \"price_...\", \"quantity\": 1}).")
        }
        if let retryURL = order.retryURL, !allowedOrigins.contains(retryURL.origin) {
            throw .badRequest(
                "retry_url must be on an allowed origin (\(allowedOrigins.map(\.description).sorted().joined(separator: ", "))), "
                    + "not \(retryURL.origin).")
        }
    }
}
