import StripeAPI

/// Typed reads of request parameters, with Stripe's error messages naming the offending parameter
/// (`line_items[3][quantity]`).
struct Parameters: Sendable {
    let form: FormValue
    /// The parameter path of this object, for error messages (`""` at the top level).
    let path: String

    init(_ form: FormValue, path: String = "") {
        self.form = form
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path)[\(key)]" }

    /// Rejects parameters the endpoint does not know, as Stripe does (`expand` is always allowed).
    func allowOnly(_ keys: Set<String>) throws(APIError) {
        for field in form.fields ?? [] where !keys.contains(field.key) && field.key != "expand" {
            throw .invalidRequest("Received unknown parameter: \(name(field.key))", param: name(field.key))
        }
    }

    func string(_ key: String, required: Bool = false, maxLength: Int = 5000) throws(APIError) -> String? {
        guard let value = form[key] else {
            if required { throw .invalidRequest("Missing required param: \(name(key)).", param: name(key)) }
            return nil
        }
        guard let string = value.stringValue else {
            throw .invalidRequest("Invalid string: \(name(key)) must be a string.", param: name(key))
        }
        if required && string.isEmpty {
            throw .invalidRequest("Missing required param: \(name(key)).", param: name(key))
        }
        guard string.count <= maxLength else {
            throw .invalidRequest("Invalid string: \(name(key)) must be at most \(maxLength) characters.", param: name(key))
        }
        return string.isEmpty ? nil : string
    }

    func requiredString(_ key: String, maxLength: Int = 5000) throws(APIError) -> String {
        try string(key, required: true, maxLength: maxLength)!
    }

    func int(_ key: String, required: Bool = false, range: ClosedRange<Int> = 0...99_999_999) throws(APIError) -> Int? {
        guard let text = try string(key, required: required) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidRequest(
                "Invalid integer: \(name(key)) must be an integer between \(range.lowerBound) and \(range.upperBound).",
                param: name(key))
        }
        return value
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let text = try string(key) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .invalidRequest("Invalid boolean: \(name(key)) must be true or false.", param: name(key))
        }
    }

    func strings(_ key: String, maxCount: Int = 100) throws(APIError) -> [String]? {
        guard let value = form[key] else { return nil }
        guard let elements = value.arrayValue else {
            throw .invalidRequest("Invalid array: \(name(key)) must be an array.", param: name(key))
        }
        guard elements.count <= maxCount else {
            throw .invalidRequest("Invalid array: \(name(key)) must have at most \(maxCount) elements.", param: name(key))
        }
        var strings: [String] = []
        for (index, element) in elements.enumerated() {
            guard let string = element.stringValue else {
                throw .invalidRequest("Invalid string: \(name(key))[\(index)] must be a string.", param: "\(name(key))[\(index)]")
            }
            strings.append(string)
        }
        return strings
    }

    func object(_ key: String) throws(APIError) -> Parameters? {
        guard let value = form[key] else { return nil }
        if case .string(let text) = value, text.isEmpty { return nil }
        guard case .object = value else {
            throw .invalidRequest("Invalid object: \(name(key)) must be an object.", param: name(key))
        }
        return Parameters(value, path: name(key))
    }

    func objects(_ key: String) throws(APIError) -> [Parameters]? {
        guard let value = form[key] else { return nil }
        guard let elements = value.arrayValue else {
            throw .invalidRequest("Invalid array: \(name(key)) must be an array.", param: name(key))
        }
        var objects: [Parameters] = []
        for (index, element) in elements.enumerated() {
            guard case .object = element else {
                throw .invalidRequest("Invalid object: \(name(key))[\(index)] must be an object.", param: "\(name(key))[\(index)]")
            }
            objects.append(Parameters(element, path: "\(name(key))[\(index)]"))
        }
        return objects
    }

    /// Stripe's metadata rules: at most 50 keys, keys up to 40 characters, values up to 500. Any text is
    /// kept as given (it is data, never markup).
    func metadata(_ key: String = "metadata") throws(APIError) -> [String: String] {
        guard let value = form[key] else { return [:] }
        if case .string(let text) = value, text.isEmpty { return [:] }
        guard let fields = value.fields else {
            throw .invalidRequest("Invalid object: \(name(key)) must be an object.", param: name(key))
        }
        guard fields.count <= 50 else {
            throw .invalidRequest("Invalid \(name(key)): at most 50 keys are allowed.", param: name(key))
        }
        var metadata: [String: String] = [:]
        for field in fields {
            guard let text = field.value.stringValue else {
                throw .invalidRequest("Invalid \(name(key))[\(field.key)]: values must be strings.", param: "\(name(key))[\(field.key)]")
            }
            guard field.key.count <= 40 else {
                throw .invalidRequest("Invalid \(name(key)): keys must be at most 40 characters.", param: "\(name(key))[\(field.key)]")
            }
            guard text.count <= 500 else {
                throw .invalidRequest("Invalid \(name(key))[\(field.key)]: values must be at most 500 characters.", param: "\(name(key))[\(field.key)]")
            }
            if !text.isEmpty { metadata[field.key] = text }
        }
        return metadata
    }

    /// `expand[]`, at most four levels deep per path (Stripe's limit).
    func expansions() throws(APIError) -> [String] {
        let paths = try strings("expand", maxCount: 20) ?? []
        for path in paths where path.split(separator: ".").count > 4 {
            throw .invalidRequest("You cannot expand more than 4 levels of a property. Property: \(path)", param: "expand")
        }
        return paths
    }
}
