import Foundation
import StripeAPI
import Testing

/// The intake's one-pass reader: the fields it returns, the bodies it refuses, and agreement with
/// `JSONDecoder` on thousands of mutated bodies.
@Suite struct WebhookEventEnvelopeTests {
    static let event = #"""
        {"id":"evt_1Q","object":"event","api_version":"2023-08-16","created":1700000000,"livemode":false,
         "pending_webhooks":1,"request":{"id":null,"idempotency_key":"k-1"},"type":"checkout.session.completed",
         "data":{"object":{"id":"cs_test_a1","object":"checkout.session","amount_total":-2000.5e-1,"paid":true,
           "lines":[1,2.25,[],{},[{"a":[null,false]}]],"metadata":{"note":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","x":"日本"}}},
         "previous_attributes":null}
        """#

    func parse(_ text: String) -> WebhookEventEnvelope? {
        try? WebhookEventEnvelope(parsing: Data(text.utf8))
    }

    @Test func readsTheIdTheTypeAndTheObjectsID() throws {
        let envelope = try WebhookEventEnvelope(parsing: Data(Self.event.utf8))
        #expect(envelope == WebhookEventEnvelope(id: "evt_1Q", type: "checkout.session.completed", objectID: "cs_test_a1"))
    }

    @Test func readsAThinEventsRelatedObjectAndAPingWithoutOne() {
        let thin = #"""
            {"id":"evt_65R9","object":"v2.core.event","type":"v1.checkout.session.completed","created":"2026-10-01T12:00:00.000Z",
             "related_object":{"id":"cs_test_b2","type":"checkout_session","url":"/v1/checkout/sessions/cs_test_b2"},
             "context":null,"livemode":false,"reason":{"type":"request","request":{"id":"req_1","idempotency_key":null}}}
            """#
        #expect(parse(thin) == WebhookEventEnvelope(id: "evt_65R9", type: "v1.checkout.session.completed", objectID: "cs_test_b2", isThin: true))
        #expect(EventType(rawValue: "v1.checkout.session.completed").snapshotType == .checkoutSessionCompleted)
        #expect(EventType.checkoutSessionCompleted.snapshotType == nil && EventType(rawValue: "v1.").snapshotType == nil)
        let ping = parse(#"{"id":"evt_p","object":"v2.core.event","type":"v2.core.event_destination.ping","related_object":null }"#)
        #expect(ping == WebhookEventEnvelope(id: "evt_p", type: "v2.core.event_destination.ping", objectID: nil, isThin: true))
        #expect(parse(#"{"id":"evt_q","object":"v2.core.event","type":"v2.core.event_destination.ping"}"#)?.isThin == true)
        // Refused: a related object without a string id, one that is not an object, and a v1 event without data.
        #expect(parse(#"{"id":"e","object":"v2.core.event","type":"v1.charge.refunded","related_object":{"type":"charge"}}"#) == nil)
        #expect(parse(#"{"id":"e","object":"v2.core.event","type":"v1.charge.refunded","related_object":"ch_1"}"#) == nil)
        #expect(parse(#"{"id":"e","object":"event","type":"charge.refunded","related_object":{"id":"ch_1"}}"#) == nil)
        #expect(parse(#"{"id":"e","object":7,"type":"charge.refunded","data":{"object":{"id":"ch_1"}}}"#)?.isThin == false)
    }

    @Test func decodesEscapesInTheValuesItReturns() {
        let envelope = parse(#"{"id":"evt_\u00e9\"\ud83d\ude00","type":"a\/b\n","data":{"object":{"id":"c\\d"}}}"#)
        #expect(envelope?.id == "evt_é\"😀")
        #expect(envelope?.type == "a/b\n")
        #expect(envelope?.objectID == #"c\d"#)
    }

    @Test func anObjectWithoutAnIdOrWithANullIdHasNone() {
        #expect(parse(#"{"id":"e","type":"t","data":{"object":{}}}"#)?.objectID == .some(nil))
        #expect(parse(#"{"id":"e","type":"t","data":{"object":{"id":null}}}"#)?.objectID == .some(nil))
        #expect(parse(#" {"data":{"object":{"id":"x"}},"type":"t","id":"e"} "#)?.id == "e", "any key order, whitespace around")
    }

    @Test func theLastOfARepeatedKeyCounts() {
        #expect(parse(#"{"id":"first","type":"t","id":"second","data":{"object":{"id":"a","id":"b"}}}"#)
            == WebhookEventEnvelope(id: "second", type: "t", objectID: "b"))
    }

    @Test(arguments: [
        "", " ", "[]", "null", #""evt""#, "{", "{}",
        #"{"id":"e","type":"t","data":{"object":{}}} x"#,  // text after the value
        #"{"id":"e","type":"t","data":{"object":{}}}}"#,
        #"{"id":"e","type":"t"}"#,  // no data
        #"{"id":"e","type":"t","data":{}}"#,  // no data.object
        #"{"id":"e","type":"t","data":{"object":[]}}"#,
        #"{"id":"e","type":"t","data":"x"}"#,
        #"{"id":1,"type":"t","data":{"object":{}}}"#,
        #"{"id":null,"type":"t","data":{"object":{}}}"#,
        #"{"id":"e","type":"t","data":{"object":{"id":5}}}"#,
        #"{"id":"e","type":"t","data":{"object":{}},}"#,  // trailing comma
        #"{"id":"e","type":"t","data":{"object":{}},"n":01}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":1.}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":-}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":1e}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":+1}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":tru}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"n":[1,]}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"s":"\x"}"#,
        #"{"id":"e","type":"t","data":{"object":{}},"s":"\u12"}"#,
        #"{"id":"e\ud800","type":"t","data":{"object":{}}}"#,  // a lone surrogate
        #"{"id":"e\udc00x","type":"t","data":{"object":{}}}"#,
        "{\"id\":\"e\tf\",\"type\":\"t\",\"data\":{\"object\":{}}}",  // a raw control character
        #"{"id":"e","type":"t","data":{"object":{}},"s":"unterminated}"#,
        #"{'id':"e","type":"t","data":{"object":{}}}"#,
    ])
    func refusesWhatIsNotAnEvent(_ body: String) {
        #expect(parse(body) == nil)
    }

    @Test func refusesInvalidUTF8AnywhereAndNestingPast512() {
        var bytes = Array(#"{"id":"e","type":"t","data":{"object":{}},"skipped":"ab"}"#.utf8)
        bytes[bytes.count - 3] = 0xC3  // a lead byte with no continuation
        #expect((try? WebhookEventEnvelope(parsing: Data(bytes))) == nil)
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(parse(#"{"id":"e","type":"t","data":{"object":{}},"deep":\#(deep)}"#) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(parse(#"{"id":"e","type":"t","data":{"object":{}},"deep":\#(fine)}"#) != nil)
    }

    /// What `JSONDecoder` makes of the same fields: the reader must agree with it.
    struct Reference: Decodable, Equatable {
        struct DataObject: Decodable, Equatable {
            struct Object: Decodable, Equatable { var id: String? }
            var object: Object
        }
        var id: String
        var type: String
        var data: DataObject
    }

    @Test func agreesWithJSONDecoderOnMutatedBodies() {
        var random = SeededGenerator(seed: 20261123)  // seeded: a failure repeats
        let original = Array(Self.event.utf8)
        let alphabet = Array(#"{}[]",:\/0123456789.eE+-tfnulraxyz "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE6, 0xFF]
        let decoder = JSONDecoder()
        var accepted = 0, stricterOnly = 0
        for _ in 0..<4000 {
            var bytes = original
            for _ in 0...random.below(3) {
                let at = random.below(bytes.count)
                switch random.below(4) {
                case 0: bytes[at] = alphabet[random.below(alphabet.count)]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[random.below(alphabet.count)], at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + random.below(8))], at: at)
                }
            }
            let ours = Result { () throws(WebhookEventEnvelope.Malformed) in try WebhookEventEnvelope(parsing: Data(bytes)) }
            let theirs = (try? decoder.decode(Reference.self, from: Data(bytes)))
                .map { WebhookEventEnvelope(id: $0.id, type: $0.type, objectID: $0.data.object.id) }
            let shown = String(decoding: bytes, as: UTF8.self)
            switch (ours, theirs) {
            case (.success(let ours), let theirs):
                #expect(ours == theirs, "accepted what JSONDecoder refuses, or read other values: \(shown)")
                accepted += 1
            case (.failure(let error), .some):
                // Stricter than JSONDecoder in one way only: RFC 8259 strings and numbers everywhere, even in
                // values the intake skips (JSONDecoder checks those only in the values it decodes).
                let stricter = ["escape", "surrogate", "UTF-8", "control character", "number"].contains { error.description.contains($0) }
                #expect(stricter, "refused what JSONDecoder reads: \(error) in \(shown)")
                stricterOnly += 1
            case (.failure, nil):
                break
            }
        }
        #expect(accepted > 200, "the mutations must leave some bodies valid, or the comparison proves little")
        #expect(stricterOnly < 1000)
    }
}

extension SeededGenerator {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}
