import Foundation

/// The languages customers are spoken to in (pages and emails): English and Spanish, the language of the guides
/// this service implements.
public enum CustomerLanguage: String, Sendable, Hashable, Codable, CaseIterable {
    case en, es

    /// The language of a Stripe locale (`es`, `es-419`, `en-GB`, ...); `nil` for `auto` and for languages not
    /// spoken here.
    public init?(stripeLocale: String?) {
        guard let primary = stripeLocale?.split(separator: "-").first?.lowercased() else { return nil }
        self.init(rawValue: primary)
    }

    /// The first language spoken here in an `Accept-Language` header, by preference (`q`), or `nil`.
    public static func preferred(acceptLanguage header: String?) -> CustomerLanguage? {
        guard let header else { return nil }
        let ranked = header.split(separator: ",").enumerated().compactMap { index, part -> (CustomerLanguage, Double, Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, let language = CustomerLanguage(stripeLocale: tag) else { return nil }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0 ? (language, quality, index) : nil
        }
        return ranked.sorted { ($0.1, -$0.2) > ($1.1, -$1.2) }.first?.0
    }

    /// The first language known, in order of precedence: the session's or order's own, then the browser's,
    /// then the service's default (`DEFAULT_LOCALE`).
    public static func resolve(_ candidates: CustomerLanguage?..., default fallback: CustomerLanguage) -> CustomerLanguage {
        candidates.lazy.compactMap { $0 }.first ?? fallback
    }

    /// The customer's texts.
    public var texts: Texts { Texts.catalog(self) }
}
