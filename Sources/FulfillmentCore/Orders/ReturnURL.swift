import Foundation
import StripeAPI

/// A URL the service stores for later and hands to a browser (an order's `retry_url`), read strictly enough
/// that what the service checks is what a browser visits. Browsers parse URLs by the WHATWG URL standard,
/// which differs from RFC 3986 parsers (Foundation's `URLComponents`) exactly where phishers aim: `\` is `/`
/// in an http(s) URL, `https:evil.example` has a host, a percent-encoded or user-info authority hides the real
/// host, and tabs and newlines are dropped. So anything on which the two could disagree is refused with the
/// reason (a backslash, user info, `%` or non-ASCII in the host, spaces, control characters, percent-encoded
/// separators or control characters in the path), and what is accepted is rebuilt from its parsed parts in
/// the form both agree on: lower-case scheme and host, the default port left out.
public struct ReturnURL: Sendable, Hashable, CustomStringConvertible {
    public var origin: WebOrigin
    /// The path, query and fragment as given (they never change the origin), `/` at least.
    public var rest: String

    /// The URL as stored and shown: rebuilt from its parts.
    public var description: String { origin.description + rest }

    /// Why a URL was refused, in words for the caller.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses `text`, refusing anything a browser might read differently.
    public init(parsing text: String) throws(Refusal) {
        guard text.utf8.count <= 2000 else { throw Refusal("is longer than 2000 characters") }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                throw Refusal("contains a control character")
            }
            if scalar == " " || scalar.properties.isWhitespace { throw Refusal("contains a space") }
            if scalar == "\\" { throw Refusal("contains a backslash (browsers read it as /)") }
            if !scalar.isASCII { throw Refusal("contains non-ASCII characters (write an international host in its xn-- form, and percent-encode the path)") }
            if "<>\"`{}|^".unicodeScalars.contains(scalar) { throw Refusal("contains \(Character(scalar)), which must be percent-encoded") }
        }
        guard let schemeEnd = text.firstIndex(of: ":") else { throw Refusal("must start with https:// or http://") }
        let scheme = text[..<schemeEnd].lowercased()
        guard scheme == "https" || scheme == "http" else { throw Refusal("must start with https:// or http://") }
        let afterScheme = text[text.index(after: schemeEnd)...]
        guard afterScheme.hasPrefix("//"), !afterScheme.dropFirst(2).hasPrefix("/") else {
            throw Refusal("must have exactly two slashes after \(scheme):")
        }
        let authorityStart = afterScheme.index(afterScheme.startIndex, offsetBy: 2)
        let authorityEnd = afterScheme[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[authorityStart..<authorityEnd]
        if authority.contains("@") { throw Refusal("contains user info (user@host): the host would not be what it seems") }
        if authority.contains("%") { throw Refusal("has a percent-encoded host") }
        origin = try WebOrigin(scheme: scheme, authority: authority)
        let rest = afterScheme[authorityEnd...]
        try Self.checkPercentEscapes(rest)
        self.rest = rest.isEmpty || rest.first != "/" ? "/" + rest : String(rest)
    }

    /// Every `%` starts a two-digit escape; the path holds no encoded separator (`%2F`, `%5C`) and nothing
    /// anywhere encodes a control character.
    private static func checkPercentEscapes(_ rest: Substring) throws(Refusal) {
        let bytes = Array(rest.utf8)
        let pathEnd = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        var index = 0
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "%") else { continue }
            guard index + 2 < bytes.count, let high = HexDigit.value(bytes[index + 1]), let low = HexDigit.value(bytes[index + 2]) else {
                throw Refusal("has a % that does not start a two-digit escape")
            }
            let decoded = high << 4 | low
            if decoded < 0x20 || decoded == 0x7F { throw Refusal("percent-encodes a control character") }
            if index < pathEnd && (decoded == UInt8(ascii: "/") || decoded == UInt8(ascii: "\\")) {
                throw Refusal("percent-encodes a path separator (%2F or %5C)")
            }
            index += 2
        }
    }
}

/// A web origin: scheme, host and port, compared exactly (the host lower-cased, the port explicit).
public struct WebOrigin: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int

    public init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port ?? (self.scheme == "http" ? 80 : 443)
    }

    /// `https://host` with the port only when it is not the scheme's default.
    public var description: String {
        let defaultPort = scheme == "http" ? 80 : 443
        return "\(scheme)://\(host)" + (port == defaultPort ? "" : ":\(port)")
    }

    /// Reads an allowed origin as an operator writes it: `shop.example` (https on 443), `shop.example:8443`
    /// (https on that port), or `http://shop.example[:port]` / `https://...` with an optional trailing `/`.
    public init(setting entry: String) throws(ReturnURL.Refusal) {
        var text = Substring(entry.trimmingCharacters(in: .whitespaces))
        var scheme = "https"
        if let range = text.range(of: "://") {
            scheme = text[..<range.lowerBound].lowercased()
            guard scheme == "https" || scheme == "http" else { throw ReturnURL.Refusal("\(entry): the scheme must be https or http") }
            text = text[range.upperBound...]
        }
        if text.hasSuffix("/") { text = text.dropLast() }
        try self.init(scheme: scheme, authority: text)
    }

    /// `host[:port]` of an http(s) URL whose authority holds no user info and no escape.
    init(scheme: String, authority: Substring) throws(ReturnURL.Refusal) {
        var hostPart = authority
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasPrefix("[") {
            let digits = authority[authority.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit), let value = Int(digits), (1...65535).contains(value) else {
                throw ReturnURL.Refusal("has a port that is not a number from 1 to 65535")
            }
            port = value
            hostPart = authority[..<colon]
        }
        let host = hostPart.lowercased()
        guard !host.isEmpty, host.utf8.count <= 253 else { throw ReturnURL.Refusal("has no host") }
        guard host.allSatisfy({ $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "." || $0 == "-" }) else {
            throw ReturnURL.Refusal("has a host that is not a plain name (letters, digits, dots and dashes)")
        }
        self.init(scheme: scheme, host: host, port: port)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
