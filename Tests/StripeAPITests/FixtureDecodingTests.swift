import Foundation
import StripeAPI
import Testing

/// Stripe's own example objects (`fixtures3.json` from Stripe's OpenAPI repository) decode into our types.
@Suite struct FixtureDecodingTests {
    static let resources: [String: JSONValue] = {
        let url = Bundle.module.url(forResource: "fixtures3", withExtension: "json", subdirectory: "Fixtures")!
        let document = try! JSONValue.parse(Data(contentsOf: url))
        return document["resources"]!.objectValue!
    }()

    func fixture(_ name: String) throws -> JSONValue {
        try #require(Self.resources[name], "fixture \(name) is missing")
    }

    @Test func decodesACheckoutSession() throws {
        let session = try fixture("checkout.session").decode(as: CheckoutSession.self)
        #expect(session.id.hasPrefix("cs_test_"))
        #expect(session.status == .open)
        #expect(session.paymentStatus == .unpaid)
        #expect(session.mode == .payment)
        #expect(session.customerDetails?.email == "example@example.com")
    }

    @Test func readsTheShippingFromEitherAPIVersionsPlace() throws {
        // Stripe's fixture is of a version from 2025-03-31.basil on: shipping under collected_information.
        var session = try fixture("checkout.session")
        #expect(session["shipping_details"] == nil)
        #expect(try session.decode(as: CheckoutSession.self).shippingDetails?.name == "name")
        // An older version's session (or webhook): shipping_details at the top.
        session["collected_information"] = .null
        session["shipping_details"] = ["name": "Old Version", "address": ["city": "Lyon", "country": "FR"]]
        let old = try session.decode(as: CheckoutSession.self)
        #expect(old.shippingDetails?.name == "Old Version" && old.shippingDetails?.address?.city == "Lyon")
        session["shipping_details"] = .null
        #expect(try session.decode(as: CheckoutSession.self).shippingDetails == nil)
    }

    @Test func decodesALineItemAndItsPrice() throws {
        let item = try fixture("item").decode(as: LineItem.self)
        #expect(item.id.hasPrefix("li_"))
        #expect(item.description == "T-shirt")
        #expect(item.price?.id == "price_1PgafmB7WZ01zgkW02Hf9z6c")
        #expect(item.price?.product.id == "prod_QXg1hqf4jFNsqG")
        #expect(item.price?.type == .oneTime)
    }

    @Test func decodesAPriceAndAProduct() throws {
        let price = try fixture("price").decode(as: Price.self)
        #expect(price.product.id.hasPrefix("prod_"))
        #expect(price.unitAmount == 2000)
        let product = try fixture("product").decode(as: Product.self)
        #expect(product.name == "T-shirt")
    }

    @Test func decodesACustomerASourceAndACharge() throws {
        let customer = try fixture("customer").decode(as: Customer.self)
        #expect(customer.id == "cus_QXg1o8vcGmoR32")
        #expect(customer.defaultSource == nil)
        let source = try fixture("source").decode(as: Source.self)
        #expect(source.status == .pending)
        #expect(source.flow == .receiver)
        let charge = try fixture("charge").decode(as: Charge.self)
        #expect(charge.id.hasPrefix("ch_"))
        #expect(charge.amount == 100)
        #expect(charge.description == "My First Test Charge (created for API docs)")
    }

    @Test func decodesAnEventAndAWebhookEndpoint() throws {
        let event = try fixture("event").decode(as: Event.self)
        #expect(event.id.hasPrefix("evt_"))
        #expect(event.type.rawValue == "plan.created")  // a type this library does not name, kept as is
        #expect(event.objectType == "plan")
        let endpoint = try fixture("webhook_endpoint").decode(as: WebhookEndpoint.self)
        #expect(endpoint.enabledEvents == ["charge.failed", "charge.succeeded"])
    }

    @Test func decodesAListEnvelope() throws {
        let item = try fixture("item")
        let envelope: JSONValue = ["object": "list", "data": [item, item], "has_more": true, "url": "/v1/x/line_items"]
        let list = try envelope.decode(as: StripeList<LineItem>.self)
        #expect(list.data.count == 2)
        #expect(list.hasMore)
    }

    @Test func keepsUnknownEnumValuesInsteadOfFailing() throws {
        var session = try fixture("checkout.session")
        session["status"] = "some_future_status"
        session["payment_status"] = "partially_paid"
        let decoded = try session.decode(as: CheckoutSession.self)
        #expect(decoded.status?.rawValue == "some_future_status")
        #expect(decoded.paymentStatus.rawValue == "partially_paid")
        #expect(decoded.paymentStatus != .paid)
    }

    @Test func decodesAnErrorEnvelope() throws {
        let body = #"{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined.","charge":"ch_1","future_field":1}}"#
        let envelope = try JSONDecoder().decode(StripeErrorEnvelope.self, from: Data(body.utf8))
        #expect(envelope.error.type == .cardError)
        #expect(envelope.error.declineCode == "generic_decline")
        #expect(envelope.error.charge == "ch_1")
    }

    @Test func decodesADisputeAndWhatAChargeSaysAfterItsPayment() throws {
        let dispute = try fixture("dispute").decode(as: Dispute.self)
        #expect(dispute.id.hasPrefix("dp_") && dispute.charge.hasPrefix("ch_"))
        #expect(dispute.status == .warningNeedsResponse && dispute.status.isOpen)
        #expect(!DisputeStatus.lost.isOpen && !DisputeStatus.won.isOpen && DisputeStatus.needsResponse.isOpen)
        var charge = try fixture("charge")
        charge["amount_refunded"] = 40
        charge["payment_intent"] = ["id": "pi_1", "object": "payment_intent"]
        let decoded = try charge.decode(as: Charge.self)
        #expect(decoded.amountRefunded == 40 && !decoded.refunded && !decoded.disputed)
        #expect(decoded.paymentIntent == "pi_1", "an expanded PaymentIntent keeps its id")
    }

    @Test func decodesASubscriptionAndAnInvoiceOfEitherAPIVersion() throws {
        var fixture = try fixture("subscription")
        let subscription = try fixture.decode(as: Subscription.self)
        #expect(subscription.id.hasPrefix("sub_") && subscription.customer.hasPrefix("cus_") && !subscription.items.isEmpty)
        // From 2025-03-31.basil the period lives on the items only.
        let end = subscription.currentPeriodEnd
        fixture["current_period_start"] = nil
        fixture["current_period_end"] = nil
        if case .array(var items)? = fixture["items"]?["data"] {
            for index in items.indices {
                items[index]["current_period_start"] = .int(end - 100)
                items[index]["current_period_end"] = .int(end + 100)
            }
            fixture["items"]?["data"] = .array(items)
        }
        let basil = try fixture.decode(as: Subscription.self)
        #expect(basil.currentPeriodEnd == end + 100 && basil.currentPeriodStart == end - 100)
        fixture["items"]?["data"] = []
        #expect(throws: DecodingError.self) { try fixture.decode(as: Subscription.self) }

        var invoice = try self.fixture("invoice")
        invoice["subscription"] = "sub_old"
        #expect(try invoice.decode(as: Invoice.self).subscription == "sub_old")
        invoice["subscription"] = nil
        invoice["parent"] = ["type": "subscription_details", "subscription_details": ["subscription": "sub_new"]]
        let current = try invoice.decode(as: Invoice.self)
        #expect(current.subscription == "sub_new" && current.id.hasPrefix("in_"))
    }
}

