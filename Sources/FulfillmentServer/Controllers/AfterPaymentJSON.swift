import FulfillmentCore
import StripeAPI

/// What happened to a purchase's payment since it was made, as fields of its status JSON (added beside the
/// existing ones): `refunded_amount`, `refund_status` (`none`, `partial`, `full`), `dispute_status` (`none`,
/// `open`, `won`, `lost`) and `access` (`active`, `suspended`, `revoked`), the same facts the access page acts
/// on.
enum AfterPaymentJSON {
    static func add(_ after: AfterPaymentRecord?, to body: inout JSONValue) {
        let state = after?.state ?? .untouched
        let refund: String =
            if state.refundedAmount == 0 { "none" } else if state.isFullyRefunded(chargeAmount: after?.chargeAmount ?? 0) { "full" } else { "partial" }
        body["refunded_amount"] = .int(state.refundedAmount)
        body["refund_status"] = .string(refund)
        body["dispute_status"] = .string(state.dispute.rawValue)
        body["access"] = .string((after?.access ?? .active).rawValue)
    }
}
