import StripeAPI

extension Address {
    var json: JSONValue {
        [
            "city": .string(city), "country": .string(country), "line1": .string(line1), "line2": .string(line2),
            "postal_code": .string(postalCode), "state": .string(state),
        ]
    }

    /// The address the hosted page fills in when the customer types none.
    static let emulatorDefault = Address(
        city: "Berlin", country: "DE", line1: "Friedrichstraße 123", postalCode: "10117")
}
