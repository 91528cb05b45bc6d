import Foundation
import FulfillmentCore
import HTTPTypes

/// Who may create which order (`POST /api/orders`): with `Authorization: Bearer ORDER_API_KEY`, the merchant's
/// backend may price items itself; anyone else may order only items that name a Stripe price, which the
/// service prices. A `retry_url` (mailed to the customer) must be on an allowed host, so the service is no
/// relay for links elsewhere.
struct OrderDoor: Sendable {
    let apiKey: String?
    let allowedReturnHosts: Set<String>

    enum Refusal: Error {
        case unauthorized(String)
        case forbidden(String)
        case badRequest(String)
    }

    func check(_ order: OrderRequest.Validated, headers: HTTPFields) throws(Refusal) {
        let trusted: Bool
        if BearerToken.isPresent(headers) {
            guard let apiKey, BearerToken.matches(headers, apiKey) else {
                throw .unauthorized("The Authorization header does not carry the order API key.")
            }
            trusted = true
        } else {
            trusted = false
        }
        if !trusted, order.lines.contains(where: { $0.price == nil }) {
            throw .forbidden(
                "Items priced by the caller (unit_amount, amount) need Authorization: Bearer ORDER_API_KEY; "
                    + "otherwise order items by Stripe price id ({\"price\": \"price_...\", \"quantity\": 1}).")
        }
        if let retryURL = order.request.retryURL {
            let host = URLComponents(string: retryURL)?.host?.lowercased() ?? ""
            guard allowedReturnHosts.contains(host) else {
                throw .badRequest("retry_url must be on an allowed host (\(allowedReturnHosts.sorted().joined(separator: ", "))).")
            }
        }
    }
}
