/// How an order is paid, stored by its name (`orders.payment_flow`): Stripe's Sources and Charges flow (the
/// guide's, which older accounts still run) or one PaymentIntent per order (the default: the API Stripe keeps).
/// What each flow does is its `OrderPaymentRail`'s, found by this name in `OrderRails`.
public struct OrderPaymentFlow: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let sources = OrderPaymentFlow(rawValue: "sources")
    public static let paymentIntents = OrderPaymentFlow(rawValue: "payment_intents")

    public var description: String { rawValue }
}
