import StripeAPI
import Testing

@Suite struct AutoPagingSequenceTests {
    func lineItemsPage(_ range: Range<Int>, hasMore: Bool) -> String {
        let items = range.map { index in
            #"{"id":"li_\#(index)","object":"item","amount_discount":0,"amount_subtotal":100,"amount_tax":0,"amount_total":100,"currency":"eur","description":"Item \#(index)","quantity":1}"#
        }
        return #"{"object":"list","data":[\#(items.joined(separator: ","))],"has_more":\#(hasMore),"url":"/v1/checkout/sessions/cs_1/line_items"}"#
    }

    @Test func pagesWithStartingAfterUntilHasMoreIsFalse() async throws {
        let transport = ScriptedTransport([
            .respond(status: 200, body: lineItemsPage(0..<100, hasMore: true)),
            .respond(status: 200, body: lineItemsPage(100..<150, hasMore: false)),
        ])
        let items = try await makeClient(transport).checkoutSessionLineItems("cs_1").collect()
        #expect(items.map(\.id) == (0..<150).map { "li_\($0)" })
        #expect(transport.requests.map(\.url) == [
            "http://stripe.test/v1/checkout/sessions/cs_1/line_items?limit=100",
            "http://stripe.test/v1/checkout/sessions/cs_1/line_items?limit=100&starting_after=li_99",
        ])
    }

    @Test func stopsOnAnEmptyPageEvenIfItClaimsMore() async throws {
        let transport = ScriptedTransport([.respond(status: 200, body: lineItemsPage(0..<0, hasMore: true))])
        let items = try await makeClient(transport).checkoutSessionLineItems("cs_1").collect()
        #expect(items.isEmpty)
        #expect(transport.requests.count == 1)
    }
}
