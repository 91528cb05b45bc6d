public import Foundation

/// A `purchase_payments` row: the copy of a fulfilled purchase's object (the Checkout Session as Stripe
/// returned it, the order as stored) and its PaymentIntent; the coding keys are the columns.
public struct PurchasePaymentRow: Sendable, Hashable, Codable {
    public var subjectID: String
    public var paymentIntent: String?
    public var amountTotal: Int?
    public var currency: String?
    public var objectJSON: Data
    public var recordedAt: Date

    public init(subjectID: String, paymentIntent: String?, amountTotal: Int?, currency: String?, objectJSON: Data, recordedAt: Date) {
        self.subjectID = subjectID
        self.paymentIntent = paymentIntent
        self.amountTotal = amountTotal
        self.currency = currency
        self.objectJSON = objectJSON
        self.recordedAt = recordedAt
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case subjectID = "subject_id"
        case paymentIntent = "payment_intent"
        case amountTotal = "amount_total"
        case currency
        case objectJSON = "object_json"
        case recordedAt = "recorded_at"
    }
}
