/// The hosted checkout page's words in the languages the emulator speaks (English, and Spanish for Stripe's
/// `es` and `es-419`), chosen by the session's `locale`; any other locale gets English, as `auto` does here.
struct CheckoutPageTexts {
    /// The values Stripe accepts for a Checkout Session's `locale` (its OpenAPI enum).
    static let stripeLocales = [
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id",
        "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi",
        "zh", "zh-HK", "zh-TW",
    ]

    let lang: String
    let pay: String
    let email: String
    let name: String
    let shippingAddress: String
    let address: String
    let city: String
    let postalCode: String
    let country: String
    let paymentMethod: String
    let backToStore: String
    let unavailable: String
    let sessionIs: String
    let quantityOf: String
    let choices: [String]

    static func forLocale(_ locale: String?) -> CheckoutPageTexts {
        locale == "es" || locale == "es-419" ? spanish : english
    }

    static let english = CheckoutPageTexts(
        lang: "en", pay: "Pay", email: "Email", name: "Name", shippingAddress: "Shipping address", address: "Address", city: "City",
        postalCode: "Postal code", country: "Country", paymentMethod: "Payment method", backToStore: "← Back to the store",
        unavailable: "This checkout is no longer available", sessionIs: "The session is", quantityOf: "Quantity of",
        choices: [
            "Card 4242 4242 4242 4242 — succeeds", "Card 4000 0000 0000 0002 — declined",
            "SEPA Direct Debit DE89 3704 0044 0532 0130 00 — settles later, succeeds",
            "SEPA Direct Debit DE62 3704 0044 0532 0130 01 — settles later, fails",
        ])

    static let spanish = CheckoutPageTexts(
        lang: "es", pay: "Pagar", email: "Correo electrónico", name: "Nombre", shippingAddress: "Dirección de envío",
        address: "Dirección", city: "Ciudad", postalCode: "Código postal", country: "País", paymentMethod: "Método de pago",
        backToStore: "← Volver a la tienda", unavailable: "Este pago ya no está disponible", sessionIs: "La sesión está",
        quantityOf: "Cantidad de",
        choices: [
            "Tarjeta 4242 4242 4242 4242 — se aprueba", "Tarjeta 4000 0000 0000 0002 — se rechaza",
            "Adeudo directo SEPA DE89 3704 0044 0532 0130 00 — se liquida más tarde, con éxito",
            "Adeudo directo SEPA DE62 3704 0044 0532 0130 01 — se liquida más tarde, falla",
        ])
}
