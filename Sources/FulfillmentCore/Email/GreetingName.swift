/// A customer's name as it may appear in an email's greeting. Names come from whoever placed the order (an
/// unauthenticated `POST /api/orders`, a Checkout form), so they are prose a phisher could write in the
/// shop's voice ("Hello - URGENT: verify at evil.example -"). In an email a name is at most `maximumLength`
/// characters on one line, cut at a word; a name with anything link-like (a scheme, `www.`, an `@`, a dotted
/// domain or path) or a run of digits (a phone number) is not used at all; control and invisible formatting
/// characters (bidirectional overrides among them) are dropped. Emails to an address that has not paid
/// carry no name at all (`CheckoutEmails.greeting(nil, ...)`).
public enum GreetingName {
    public static let maximumLength = 40

    /// The name to greet with, or `nil` when `raw` is empty or not safe to echo.
    public static func safe(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var visible = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            if scalar.properties.isWhitespace {
                visible.append(" ")  // line breaks and tabs too: a name is one line
            } else if scalar.properties.generalCategory != .control && scalar.properties.generalCategory != .format {
                visible.append(scalar)
            }
        }
        let visibleText = String(visible)
        let words = visibleText.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty, !words.contains(where: looksLikeALink), !hasPhoneNumber(visibleText) else { return nil }
        var name = ""
        for word in words {
            let next = name.isEmpty ? word : name + " " + word
            guard next.count <= maximumLength else { break }
            name = next
        }
        return name.isEmpty ? nil : name
    }

    static func looksLikeALink(_ word: String) -> Bool {
        let lower = word.lowercased()
        if lower.contains("://") || lower.hasPrefix("www.") || lower.contains("@") || lower.contains("/") || lower.contains("\\") { return true }
        // A dotted domain: letters or digits on both sides of a dot, ending in two or more letters ("evil.example").
        let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let last = labels.last?.filter({ $0.isLetter || $0.isNumber }), last.count >= 2 else { return false }
        return labels.dropLast().contains { $0.count >= 1 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } } && labels.allSatisfy { !$0.isEmpty }
    }

    static func hasPhoneNumber(_ text: String) -> Bool {
        text.filter(\.isNumber).count >= 5
    }
}
