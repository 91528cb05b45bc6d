import Foundation
import StripeAPI
import Testing

@Suite struct JSONValueTests {
    @Test func serializesWithIdAndObjectFirstThenAlphabetically() {
        let value: JSONValue = ["status": "open", "object": "checkout.session", "amount": 5, "id": "cs_1", "b": [true, nil]]
        #expect(value.serialized() == #"{"id":"cs_1","object":"checkout.session","amount":5,"b":[true,null],"status":"open"}"#)
    }

    @Test func escapesStringsSoHostileMetadataRoundTrips() throws {
        let hostile = "quote\" backslash\\ newline\n tab\t nul\u{0} <script>é☃"
        let value: JSONValue = ["metadata": ["note": .string(hostile)]]
        let parsed = try JSONValue.parse(value.serializedData())
        #expect(parsed == value)
    }

    @Test func escapesExactlyWhatJSONAndJavaScriptNeedAndCopiesTheRest() throws {
        let value: JSONValue = .string("a\"b\\c\n\r\t\u{1}\u{1F} \u{2028}\u{2029} \u{2027}€😀")
        #expect(value.serialized() == #""a\"b\\c\n\r\t\u0001\u001f \u2028\u2029 \#u{2027}€😀""#)
        #expect(try JSONValue.parse(value.serializedData()) == value)
        #expect(value.serializedBytes() == Array(value.serialized().utf8))
    }

    /// Unescaped text is copied in runs: the runs before, between and after escapes, and strings that are all
    /// escapes or none, come out whole.
    @Test(arguments: [
        ("", #""""#), ("plain text, no escapes", #""plain text, no escapes""#), ("\"", #""\"""#),
        ("\u{2029}", #""\u2029""#), ("\"edges\"", #""\"edges\"""#), ("x\u{2028}", #""x\u2028""#),
        ("\n\n", #""\n\n""#), ("run\u{0}run", #""run\u0000run""#), ("\u{E2}\u{2020}", #""â†""#),
    ])
    func copiesTheTextAroundEscapesWhole(text: String, json: String) throws {
        #expect(JSONValue.string(text).serialized() == json)
        #expect(try JSONValue.parse(Data(json.utf8)) == .string(text))
    }

    @Test func keepsIntegersAsIntegers() throws {
        let parsed = try JSONValue.parse(Data(#"{"amount":1999,"rate":0.5,"ok":true}"#.utf8))
        #expect(parsed["amount"] == .int(1999))
        #expect(parsed["rate"] == .double(0.5))
        #expect(parsed["ok"] == .bool(true))
    }
}
