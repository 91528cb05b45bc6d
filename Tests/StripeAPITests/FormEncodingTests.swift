import StripeAPI
import Testing

@Suite struct FormEncodingTests {
    @Test func encodesNestedObjectsArraysAndExpandLikeStripe() {
        let parameters: FormValue = [
            "mode": "payment",
            "line_items": [["price": "price_1", "quantity": 2], ["price": "price_2", "quantity": 1]],
            "metadata": ["order_id": "42"],
            "expand": ["line_items", "customer"],
        ]
        #expect(
            FormEncoder.encode(parameters)
                == "mode=payment&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price]=price_2"
                + "&line_items[1][quantity]=1&metadata[order_id]=42&expand[]=line_items&expand[]=customer")
    }

    @Test func escapesReservedCharactersInValuesAndKeys() {
        let parameters: FormValue = ["metadata": ["note & more": "a=b&c d/é+"]]
        #expect(FormEncoder.encode(parameters) == "metadata[note%20%26%20more]=a%3Db%26c%20d%2F%C3%A9%2B")
    }

    @Test func encodesAnEmptyArrayAsAnEmptyValue() {
        #expect(FormEncoder.encode(["expand": []]) == "expand=")
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let parameters: FormValue = [
            "success_url": "https://example.com/ok?session_id={CHECKOUT_SESSION_ID}",
            "line_items": [
                ["price_data": ["currency": "eur", "unit_amount": 1500, "product_data": ["name": "Course & book"]],
                 "quantity": 3, "adjustable_quantity": ["enabled": true, "maximum": 5]],
                ["price": "price_2", "quantity": 1],
            ],
            "metadata": ["a": "1", "b": ""],
            "expand": ["line_items"],
            "payment_method_types": ["card", "sepa_debit"],
        ]
        let decoded = try FormDecoder.decode(FormEncoder.encode(parameters))
        #expect(decoded == parameters)
    }

    @Test func decodesTheIndexedArrayFormTheOfficialSDKsSend() throws {
        let decoded = try FormDecoder.decode("expand%5B0%5D=line_items&expand%5B1%5D=customer")
        #expect(decoded == ["expand": ["line_items", "customer"]])
    }

    @Test func decodesIndicesInNumericNotTextualOrder() throws {
        let body = (0..<12).reversed().map { "items[\($0)]=v\($0)" }.joined(separator: "&")
        let decoded = try FormDecoder.decode(body)
        #expect(decoded["items"]?.arrayValue?.compactMap(\.stringValue) == (0..<12).map { "v\($0)" })
    }

    @Test func groupsBracketlessArraysOfObjectsLikeRack() throws {
        let decoded = try FormDecoder.decode(
            "line_items[][price]=p1&line_items[][quantity]=2&line_items[][price]=p2&line_items[][quantity]=1")
        #expect(decoded == ["line_items": [["price": "p1", "quantity": "2"], ["price": "p2", "quantity": "1"]]])
    }

    @Test func decodesPlusAsSpaceAndPercentEscapes() throws {
        let decoded = try FormDecoder.decode("name=Jenny+Rosen&email=jenny%40example.com&empty=")
        #expect(decoded == ["name": "Jenny Rosen", "email": "jenny@example.com", "empty": ""])
    }

    @Test(arguments: ["a[b=1", "[x]=1", "a]=1", "a[b]c=1", "a%ZZ=1", "a=%E0%A4"])
    func rejectsMalformedInput(body: String) {
        #expect(throws: FormDecoder.DecodingError.self) { try FormDecoder.decode(body) }
    }

    @Test func rejectsAValueThatIsAlsoAnObject() {
        #expect(throws: FormDecoder.DecodingError.self) { try FormDecoder.decode("metadata=x&metadata[a]=1") }
    }

    @Test func canonicalFormIgnoresKeyOrder() throws {
        let first = try FormDecoder.decode("amount=100&currency=eur&metadata[a]=1&metadata[b]=2")
        let second = try FormDecoder.decode("metadata[b]=2&currency=eur&metadata[a]=1&amount=100")
        #expect(first != second)
        #expect(first.canonical == second.canonical)
    }
}
