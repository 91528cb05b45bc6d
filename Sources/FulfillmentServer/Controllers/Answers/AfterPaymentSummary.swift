import FulfillmentCore

/// What happened to a purchase's payment since it was made, as its status answers show it (fields added
/// beside the existing ones): `refunded_amount`, `refund_status` (`none`, `partial`, `full`), `dispute_status`
/// (`none`, `open`, `won`, `lost`) and `access` (`active`, `suspended`, `revoked`), the same facts the access
/// page acts on.
struct AfterPaymentSummary: Sendable, Hashable {
    var refundedAmount: Int
    var refundStatus: String
    var disputeStatus: String
    var access: String

    init(_ after: AfterPaymentRecord?) {
        let state = after?.state ?? .untouched
        refundedAmount = state.refundedAmount
        refundStatus =
            if state.refundedAmount == 0 { "none" } else if state.isFullyRefunded(chargeAmount: after?.chargeAmount ?? 0) { "full" } else { "partial" }
        disputeStatus = state.dispute.rawValue
        access = (after?.access ?? .active).rawValue
    }
}
