/// Money for people: minor units and an ISO currency code.
public enum Money {
    public static func format(_ amount: Int, _ currency: String) -> String {
        let cents = abs(amount % 100)
        let major = "\(amount / 100).\(cents < 10 ? "0" : "")\(cents)"
        switch currency.lowercased() {
        case "eur": return "€" + major
        case "usd": return "$" + major
        case "gbp": return "£" + major
        default: return major + " " + currency.uppercased()
        }
    }
}
