public import Foundation

/// What a webhook receiver reads of an event before storing it: its `id`, its `type` and the id of the object
/// it is about, read in one pass that also checks the whole body is well-formed JSON (RFC 8259: UTF-8, one
/// value, no trailing text, nesting at most 512 deep). A snapshot event carries the object in `data.object`; a
/// thin event (`"object": "v2.core.event"`, Stripe's recommendation for new integrations) names it in
/// `related_object` (and may name none: `v2.core.event_destination.ping`).
///
/// Hand-written because it runs on every delivery: `JSONDecoder` builds a map of the whole document and
/// then decodes through `Decodable`, which cost more than verifying the signature. Nothing here allocates
/// beyond the three strings it returns. The tests hold it to `JSONDecoder`'s verdict on mutated bodies.
public struct WebhookEventEnvelope: Sendable, Hashable {
    public var id: String
    public var type: String
    /// `data.object.id` (or a thin event's `related_object.id`); nil when there is none (or it is null).
    public var objectID: String?
    /// A thin event (`v2.core.event`): the object is not in the body and is fetched.
    public var isThin: Bool
    /// The connected account the event happened on (Connect): a snapshot event's `account`, a thin event's
    /// `context`; nil for the platform's own events.
    public var account: String?

    public init(id: String, type: String, objectID: String?, isThin: Bool = false, account: String? = nil) {
        self.id = id
        self.type = type
        self.objectID = objectID
        self.isThin = isThin
        self.account = account
    }

    /// The account a v2 `context` (a thin event's, a request's `Stripe-Context`) names, under any organisation
    /// before it (`org_…/acct_…`): the last `acct_` segment, if any.
    public static func account(inContext context: String) -> String? {
        context.split(separator: "/").last { $0.hasPrefix("acct_") }.map(String.init)
    }

    /// Why a body is not an event envelope.
    public struct Malformed: Error, Hashable, CustomStringConvertible {
        public var description: String
        /// The byte offset where reading stopped.
        public var offset: Int
    }

    /// Reads `body`; throws unless it is well-formed JSON whose top level is an object with string `id` and
    /// `type` and either an object `data` holding an object `object` (whose `id`, if present, is a string or
    /// null), or `"object": "v2.core.event"` (a thin event, whose `related_object`, if present, is an object
    /// with a string `id`).
    /// Where a key repeats, the last value counts, as in most JSON readers.
    public init(parsing body: Data) throws(Malformed) {
        let result = body.withUnsafeBytes { bytes -> Result<WebhookEventEnvelope, Malformed> in
            var reader = Reader(bytes: bytes)
            return Result { () throws(Malformed) in try reader.readEnvelope() }
        }
        self = try result.get()
    }

    /// A single-pass, validating JSON reader over bytes.
    private struct Reader {
        static let maximumDepth = 512

        let bytes: UnsafeRawBufferPointer
        var position = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func readEnvelope() throws(Malformed) -> WebhookEventEnvelope {
            var id: String?, type: String?, objectID: String??, sawData = false
            var kind: String?, relatedID: String?, account: String?, context: String?
            skipWhitespace()
            try readObject(depth: 1) { (reader, key) throws(Malformed) in
                switch key {
                case "id": id = try reader.readString(named: "id")
                case "type": type = try reader.readString(named: "type")
                case "data":
                    sawData = true
                    objectID = try reader.readData()
                case "object":
                    if reader.peek() == UInt8(ascii: "\"") { kind = try reader.readString(named: "object") } else { try reader.skipValue(depth: 1) }
                case "related_object":
                    if reader.peek() == UInt8(ascii: "n") {
                        try reader.expectLiteral("null")
                        reader.skipWhitespace()
                    } else {
                        relatedID = try reader.readRelatedObject()
                    }
                case "account": account = try reader.readOptionalString(named: "account")
                case "context": context = try reader.readOptionalString(named: "context")
                default: try reader.skipValue(depth: 1)
                }
            }
            skipWhitespace()
            guard position == bytes.count else { throw fail("text after the JSON value") }
            guard let id else { throw fail("no string \"id\"") }
            guard let type else { throw fail("no string \"type\"") }
            if kind == "v2.core.event" {
                return WebhookEventEnvelope(id: id, type: type, objectID: relatedID, isThin: true, account: context.flatMap(WebhookEventEnvelope.account(inContext:)))
            }
            guard sawData, let objectID else { throw fail("no object \"data.object\"") }
            return WebhookEventEnvelope(id: id, type: type, objectID: objectID, account: account)
        }

        /// A string or null (nil).
        private mutating func readOptionalString(named name: String) throws(Malformed) -> String? {
            guard peek() == UInt8(ascii: "n") else { return try readString(named: name) }
            try expectLiteral("null")
            skipWhitespace()
            return nil
        }

        /// A thin event's `related_object`: an object whose `id` is a string.
        private mutating func readRelatedObject() throws(Malformed) -> String {
            var id: String?
            guard peek() == UInt8(ascii: "{") else { throw fail("\"related_object\" is not an object") }
            try readObject(depth: 2) { (reader, key) throws(Malformed) in
                guard key == "id" else { return try reader.skipValue(depth: 2) }
                id = try reader.readString(named: "related_object.id")
            }
            guard let id else { throw fail("no string \"related_object.id\"") }
            return id
        }

        /// `data`: an object whose `object` member is an object. Returns that object's id (nil if absent or
        /// null), or nil if `data` has no `object`.
        private mutating func readData() throws(Malformed) -> String?? {
            var objectID: String??
            guard peek() == UInt8(ascii: "{") else { throw fail("\"data\" is not an object") }
            try readObject(depth: 2) { (reader, key) throws(Malformed) in
                guard key == "object" else { return try reader.skipValue(depth: 2) }
                guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("\"data.object\" is not an object") }
                var id: String?
                try reader.readObject(depth: 3) { (reader, key) throws(Malformed) in
                    guard key == "id" else { return try reader.skipValue(depth: 3) }
                    if reader.peek() == UInt8(ascii: "n") {
                        try reader.expectLiteral("null")
                        reader.skipWhitespace()
                        id = nil
                    } else {
                        id = try reader.readString(named: "data.object.id")
                    }
                }
                objectID = .some(id)
            }
            return objectID
        }

        // MARK: Values

        private mutating func skipValue(depth: Int) throws(Malformed) {
            guard depth < Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
            guard let next = peek() else { throw fail("expected a value") }
            switch next {
            case UInt8(ascii: "{"): try readObject(depth: depth + 1) { (reader, _) throws(Malformed) in try reader.skipValue(depth: depth + 1) }
            case UInt8(ascii: "["): try skipArray(depth: depth + 1)
            case UInt8(ascii: "\""): _ = try scanString(decode: false)
            case UInt8(ascii: "t"): try expectLiteral("true")
            case UInt8(ascii: "f"): try expectLiteral("false")
            case UInt8(ascii: "n"): try expectLiteral("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
            default: throw fail("expected a value")
            }
            skipWhitespace()
        }

        /// Reads an object at `position` (which holds `{`), calling `member` with each key; `member` must
        /// consume the value (and the whitespace after it).
        private mutating func readObject(
            depth: Int, _ member: (inout Reader, String) throws(Malformed) -> Void
        ) throws(Malformed) {
            guard depth < Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
            guard peek() == UInt8(ascii: "{") else { throw fail("expected an object") }
            position += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                position += 1
                skipWhitespace()
                return
            }
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try scanString(decode: true) ?? ""
                skipWhitespace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                skipWhitespace()
                try member(&self, key)
                switch peek() {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    position += 1
                    skipWhitespace()
                    return
                default: throw fail("expected ',' or '}'")
                }
            }
        }

        private mutating func skipArray(depth: Int) throws(Malformed) {
            guard depth < Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
            position += 1  // [
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                try skipValue(depth: depth)
                switch peek() {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    position += 1
                    return
                default: throw fail("expected ',' or ']'")
                }
            }
        }

        private mutating func readString(named name: String) throws(Malformed) -> String {
            guard peek() == UInt8(ascii: "\"") else { throw fail("\"\(name)\" is not a string") }
            let value = try scanString(decode: true) ?? ""
            skipWhitespace()
            return value
        }

        /// Scans a string at `position` (which holds `"`), checking escapes, control characters and UTF-8.
        /// Returns its decoded value when `decode` is true.
        private mutating func scanString(decode: Bool) throws(Malformed) -> String? {
            position += 1
            let start = position
            var plain = true  // no escapes and ASCII only: the value is the bytes as they are
            var asciiOnly = true
            while true {
                guard position < bytes.count else { throw fail("unterminated string") }
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    let content = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    if !asciiOnly && String(validating: content, as: UTF8.self) == nil {
                        throw fail("a string is not valid UTF-8")
                    }
                    guard decode else { return nil }
                    return plain ? String(decoding: content, as: UTF8.self) : try unescape(content, at: start)
                case UInt8(ascii: "\\"):
                    plain = false
                    position += 1
                    guard position < bytes.count else { throw fail("unterminated string") }
                    switch bytes[position] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        guard position + 4 < bytes.count, (1...4).allSatisfy({ HexDigit.value(bytes[position + $0]) != nil }) else {
                            throw fail("a \\u escape needs four hex digits")
                        }
                        position += 5
                    default: throw fail("an unknown escape in a string")
                    }
                case 0..<0x20: throw fail("a control character in a string")
                case 0x80...:
                    asciiOnly = false
                    plain = false
                    position += 1
                default: position += 1
                }
            }
        }

        /// Decodes escapes in a string already checked by `scanString`.
        private func unescape(_ content: UnsafeRawBufferPointer, at offset: Int) throws(Malformed) -> String {
            var scalars = String.UnicodeScalarView()
            var utf8: [UInt8] = []
            var index = 0
            func flush() {
                guard !utf8.isEmpty else { return }
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll(keepingCapacity: true)
            }
            func hex4(_ at: Int) -> UInt32 {
                (0..<4).reduce(UInt32(0)) { $0 << 4 | UInt32(HexDigit.value(content[at + $1])!) }
            }
            while index < content.count {
                let byte = content[index]
                guard byte == UInt8(ascii: "\\") else {
                    utf8.append(byte)
                    index += 1
                    continue
                }
                let escaped = content[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var value = hex4(index)
                    index += 4
                    if (0xD800..<0xDC00).contains(value) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard index + 6 <= content.count, content[index] == UInt8(ascii: "\\"), content[index + 1] == UInt8(ascii: "u")
                        else { throw Malformed(description: "a lone surrogate in a string", offset: offset + index) }
                        let low = hex4(index + 2)
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw Malformed(description: "a lone surrogate in a string", offset: offset + index)
                        }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                    guard let scalar = Unicode.Scalar(value) else {
                        throw Malformed(description: "a lone surrogate in a string", offset: offset + index)
                    }
                    flush()
                    scalars.append(scalar)
                default: utf8.append(escaped)  // " \ /
                }
            }
            flush()
            return String(scalars)
        }

        /// Skips a number: the whole run of characters a number can hold, which must then follow the grammar
        /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
        private mutating func skipNumber() throws(Malformed) {
            let start = position
            while let byte = peek(), Self.isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            {
                position += 1
            }
            var index = start
            func digits() -> Int {
                let first = index
                while index < position, Self.isDigit(bytes[index]) { index += 1 }
                return index - first
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leadingZero = index < position && bytes[index] == UInt8(ascii: "0")
            let integer = digits()
            var valid = integer > 0 && !(leadingZero && integer > 1)
            if valid, index < position, bytes[index] == UInt8(ascii: ".") {
                index += 1
                valid = digits() > 0
            }
            if valid, index < position, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < position, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                valid = digits() > 0
            }
            guard valid, index == position else {
                position = start
                throw fail("a malformed number")
            }
        }

        private mutating func expectLiteral(_ literal: StaticString) throws(Malformed) {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count,
                memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0
            else { throw fail("expected \(literal)") }
            position += count
            if let next = peek(), Self.isDigit(next) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(next) {
                throw fail("expected \(literal)")
            }
        }

        // MARK: Bytes

        private func peek() -> UInt8? {
            position < bytes.count ? bytes[position] : nil
        }

        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
                default: return
                }
            }
        }

        private func fail(_ what: String) -> Malformed {
            Malformed(description: "\(what) at byte \(position)", offset: position)
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }

    }
}
