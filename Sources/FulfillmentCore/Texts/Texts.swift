public import Foundation

/// The words customers see, one catalog per language (`Catalogs/en.json`, `Catalogs/es.json`, loaded once):
/// `texts("receipt_total", ["amount": ...])` fills `{amount}`. A key missing from a catalog falls back to
/// English (tests keep the catalogs' keys equal), then to the key itself.
public struct Texts: Sendable {
    public let language: CustomerLanguage
    /// Every entry, for page templates (`{{t.key}}`).
    public let entries: [String: String]

    public func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        let template = entries[key] ?? Self.english.entries[key] ?? key
        return values.isEmpty ? template : Self.fill(template, with: values)
    }

    /// Replaces each `{name}` that `values` names, in one pass over the template: a value is never read as a
    /// placeholder (a customer named "{url}" stays so), and a placeholder it does not name stays as written.
    /// Before, one `replacingOccurrences` per value (through NSString) rendered the receipt inside the
    /// ledger's commit, on the group commit's one thread (1.6% of the service's CPU in a burst).
    static func fill(_ template: String, with values: [String: String]) -> String {
        var filled = ""
        filled.reserveCapacity(template.utf8.count + 64)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            filled += rest[..<open]
            let nameStart = rest.index(after: open)
            if let close = rest[nameStart...].firstIndex(of: "}"), let value = values[String(rest[nameStart..<close])] {
                filled += value
                rest = rest[rest.index(after: close)...]
            } else {
                filled += "{"
                rest = rest[nameStart...]
            }
        }
        filled += rest
        return filled
    }

    /// A day as the customer writes it, in UTC: `4 January 2027`, `4 de enero de 2027`.
    public func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let (day, month, year) = (parts.day ?? 1, parts.month ?? 1, parts.year ?? 1970)
        switch language {
        case .en: return "\(day) \(Self.englishMonths[month - 1]) \(year)"
        case .es: return "\(day) de \(Self.spanishMonths[month - 1]) de \(year)"
        }
    }

    static let englishMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
    static let spanishMonths = [
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ]

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
