import Foundation
@testable import FulfillmentCore
import Testing

/// The customer texts: one catalog per language, kept in step, and how a language is chosen.
@Suite struct TextsTests {
    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{([a-z_]+)\}/).map { String($0.1) })
    }

    @Test func theCatalogsHaveTheSameKeysAndPlaceholders() {
        let english = CustomerLanguage.en.texts.entries
        let spanish = CustomerLanguage.es.texts.entries
        #expect(english.count > 50, "the English catalog loaded")
        #expect(Set(english.keys) == Set(spanish.keys))
        for (key, text) in english {
            #expect(!text.isEmpty && !(spanish[key] ?? "").isEmpty, "\(key) has words in both")
            #expect(Self.placeholders(text) == Self.placeholders(spanish[key] ?? ""), "\(key) fills the same blanks in both")
        }
    }

    @Test func aLanguageComesFromTheSessionThenTheBrowserThenTheDefault() {
        #expect(CustomerLanguage(stripeLocale: "es") == .es && CustomerLanguage(stripeLocale: "es-419") == .es)
        #expect(CustomerLanguage(stripeLocale: "en-GB") == .en)
        #expect(CustomerLanguage(stripeLocale: "auto") == nil && CustomerLanguage(stripeLocale: "fr") == nil)
        #expect(CustomerLanguage.preferred(acceptLanguage: "fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7") == .es)
        #expect(CustomerLanguage.preferred(acceptLanguage: "en;q=0.5, es-ES;q=0.9") == .es)
        #expect(CustomerLanguage.preferred(acceptLanguage: "es;q=0, en") == .en, "q=0 means not wanted")
        #expect(CustomerLanguage.preferred(acceptLanguage: "de, fr") == nil)
        #expect(CustomerLanguage.resolve(nil, .es, default: .en) == .es)
        #expect(CustomerLanguage.resolve(.en, .es, default: .es) == .en)
        #expect(CustomerLanguage.resolve(nil, nil, default: .es) == .es)
    }

    @Test func placeholdersAreFilledInOnePass() {
        #expect(Texts.fill("{a} and {b}, {a} again", with: ["a": "1", "b": "2"]) == "1 and 2, 1 again")
        #expect(Texts.fill("Hello {name},", with: ["name": "{url}", "url": "https://evil.example"]) == "Hello {url},",
                "a value is never read as a placeholder")
        #expect(Texts.fill("{unknown} {a} {", with: ["a": "x"]) == "{unknown} x {", "what no value names stays as written")
        #expect(Texts.fill("{{a}}", with: ["a": "x"]) == "{x}")
        #expect(Texts.fill("€{a}—ñ{b}", with: ["a": "1", "b": "ü"]) == "€1—ñü")
        #expect(CustomerLanguage.en.texts("receipt_total", ["amount": "€49.00"]).contains("€49.00"))
    }

    @Test func moneyAndBlanksFollowTheLanguage() {
        let en = CustomerLanguage.en.texts, es = CustomerLanguage.es.texts
        #expect(en.money(4900, "eur") == "€49.00" && es.money(4900, "eur") == "49,00 €")
        #expect(en.money(123_456_789, "usd") == "$1,234,567.89" && es.money(123_456_789, "usd") == "1.234.567,89 $")
        #expect(en.money(500, "chf") == "5.00 CHF" && es.money(5, "chf") == "0,05 CHF")
        #expect(es("receipt_total", ["amount": es.money(4900, "eur")]) == "Total pagado: 49,00 €")
        #expect(en("no_such_key") == "no_such_key", "a missing key shows itself, never crashes")
    }
}
