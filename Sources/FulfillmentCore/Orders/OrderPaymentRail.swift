public import Foundation

/// One way an order is paid (`OrderPaymentFlow`): what it needs of a request, how it starts the payment at
/// Stripe, how it looks at the payment again, and whether the customer may pay again on the same order. The
/// order desk finds a rail by the flow's name in `OrderRails`; a new flow is a new rail, registered there.
public protocol OrderPaymentRail: Sendable {
    var flow: OrderPaymentFlow { get }

    /// Checks what this flow needs of the request before anything reaches Stripe; the error says what to fix.
    func check(_ request: OrderRequest.Validated, merchant: Bool) throws(OrderRequestError)

    /// Creates the order's payment at Stripe (with the order id in its metadata and as idempotency key), stores
    /// `draft` with it, and starts the payment; the order as it then stands.
    func start(_ draft: Order, request: OrderRequest.Validated, payer: OrderPayer) async throws -> Order

    /// Looks at the order's payment at Stripe and applies what it says (the status endpoint, at most once per
    /// interval per order).
    func refresh(_ order: Order) async throws -> Order

    /// Another attempt on the same order, with `choice` (a PaymentIntent whose last attempt failed).
    func payAgain(_ order: Order, with choice: OrderPaymentChoice, payer: OrderPayer) async throws -> Order

    /// This rail acting on a connected account (Connect): the order's payment is made and looked at there.
    func onAccount(_ account: String?) -> Self
}

extension OrderPaymentRail {
    public func payAgain(_ order: Order, with choice: OrderPaymentChoice, payer: OrderPayer) async throws -> Order {
        throw OrderRequestError("an order paid through \(flow) cannot be paid again; start a new order")
    }
}

/// Who is paying, as the request shows them: the merchant's backend (with the order key) or a customer's
/// browser, whose address and user agent record a SEPA mandate's acceptance.
public struct OrderPayer: Sendable, Hashable {
    public var merchant: Bool
    public var ipAddress: String?
    public var userAgent: String?

    public init(merchant: Bool, ipAddress: String? = nil, userAgent: String? = nil) {
        self.merchant = merchant
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }
}

/// The rails by flow name, and the flow orders take when the request names none (`ORDER_PAYMENT_FLOW`).
public struct OrderRails: Sendable {
    private var rails: [OrderPaymentFlow: any OrderPaymentRail] = [:]
    public var defaultFlow: OrderPaymentFlow

    public init(_ rails: [any OrderPaymentRail], defaultFlow: OrderPaymentFlow) {
        self.defaultFlow = defaultFlow
        for rail in rails { self.rails[rail.flow] = rail }
    }

    /// The rail of `flow`, acting on `account` (an order's connected account; nil: the platform's).
    public func rail(_ flow: OrderPaymentFlow, account: String? = nil) -> (any OrderPaymentRail)? { rails[flow]?.onAccount(account) }
}
