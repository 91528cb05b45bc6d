public import Foundation

/// The words customers see, one catalog per language (`Catalogs/en.json`, `Catalogs/es.json`, loaded once):
/// `texts("receipt_total", ["amount": ...])` fills `{amount}`. A key missing from a catalog falls back to
/// English (tests keep the catalogs' keys equal), then to the key itself.
public struct Texts: Sendable {
    public let language: CustomerLanguage
    /// Every entry, for page templates (`{{t.key}}`).
    public let entries: [String: String]

    public func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = entries[key] ?? Self.english.entries[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// An amount in the customer's way of writing money: `€49.00` in English, `49,00 €` in Spanish.
    public func money(_ amount: Int, _ currency: String) -> String {
        let cents = abs(amount % 100)
        let sign = amount < 0 ? "-" : ""
        let major = abs(amount / 100)
        let symbol: String? =
            switch currency.lowercased() {
            case "eur": "€"
            case "usd": "$"
            case "gbp": "£"
            default: nil
            }
        switch language {
        case .en:
            let number = "\(Self.grouped(major, separator: ",")).\(cents < 10 ? "0" : "")\(cents)"
            return sign + (symbol.map { $0 + number } ?? "\(number) \(currency.uppercased())")
        case .es:
            let number = "\(Self.grouped(major, separator: ".")),\(cents < 10 ? "0" : "")\(cents)"
            return sign + number + " " + (symbol ?? currency.uppercased())
        }
    }

    static func grouped(_ value: Int, separator: String) -> String {
        let digits = String(value)
        guard digits.count > 3 else { return digits }
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: separator)
    }

    // MARK: Catalogs

    static let english = Texts(language: .en, entries: load("en"))
    static let spanish = Texts(language: .es, entries: load("es"))

    public static func catalog(_ language: CustomerLanguage) -> Texts {
        switch language {
        case .en: english
        case .es: spanish
        }
    }

    static func load(_ name: String) -> [String: String] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Catalogs"),
            let data = try? Data(contentsOf: url), let entries = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return entries
    }
}
