/// A request parameter tree in Stripe's form encoding: strings, arrays and objects with ordered keys.
///
/// Built with literals on the client (`["amount": 1000, "expand": ["line_items"]]`) and produced by
/// `FormDecoder` on the emulator side.
public indirect enum FormValue: Sendable, Hashable {
    case string(String)
    case array([FormValue])
    case object([FormField])
}

/// One named member of a form object.
public struct FormField: Sendable, Hashable {
    public var key: String
    public var value: FormValue

    public init(_ key: String, _ value: FormValue) {
        self.key = key
        self.value = value
    }
}

extension FormValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .string(String(value)) }
    public init(booleanLiteral value: Bool) { self = .string(value ? "true" : "false") }
    public init(arrayLiteral elements: FormValue...) { self = .array(elements) }
    /// Keeps the literal's order, which becomes the order on the wire.
    public init(dictionaryLiteral elements: (String, FormValue)...) {
        self = .object(elements.map { FormField($0.0, $0.1) })
    }
}

extension FormValue {
    /// An empty object: no parameters.
    public static let empty = FormValue.object([])

    /// An integer parameter.
    public static func int(_ value: Int) -> FormValue { .string(String(value)) }

    /// A string-to-string map (metadata) with keys in sorted order.
    public static func map(_ map: [String: String]) -> FormValue {
        .object(map.keys.sorted().map { FormField($0, .string(map[$0]!)) })
    }

    /// The member named `key` of an object (the last one, if the key repeats).
    public subscript(key: String) -> FormValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.last(where: { $0.key == key })?.value
    }

    /// The string, or `nil` for an array or an object.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements; a single string counts as a one-element array, an empty string as an empty array
    /// (Stripe clears a list with `key=`).
    public var arrayValue: [FormValue]? {
        switch self {
        case .array(let elements): elements
        case .string(let value): value.isEmpty ? [] : [.string(value)]
        case .object: nil
        }
    }

    /// The fields, or `nil` for a string or an array.
    public var fields: [FormField]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// The same tree with object keys sorted at every level: two requests carry the same parameters when
    /// their canonical forms are equal, whatever order the client sent them in.
    public var canonical: FormValue {
        switch self {
        case .string: self
        case .array(let elements): .array(elements.map(\.canonical))
        case .object(let fields):
            .object(fields.sorted { $0.key < $1.key }.map { FormField($0.key, $0.value.canonical) })
        }
    }

    /// A copy with `field` added to an object (or replacing a member of the same key).
    public func setting(_ key: String, _ value: FormValue?) -> FormValue {
        guard case .object(var fields) = self else { return self }
        fields.removeAll { $0.key == key }
        if let value { fields.append(FormField(key, value)) }
        return .object(fields)
    }
}
