import StripeAPI

/// Applies `expand[]` paths to a rendered object: an id at the path is replaced by the object it names,
/// and arrays (`data` of a list) are expanded element by element.
struct Expansion {
    /// Renders the object an id names, or `nil` if the id names nothing this emulator can expand.
    let resolve: (String) -> JSONValue?

    func apply(_ paths: [String], to object: JSONValue) throws(APIError) -> JSONValue {
        var result = object
        for path in paths {
            result = try expand(path.split(separator: ".").map(String.init)[...], in: result, fullPath: path)
        }
        return result
    }

    private func expand(_ path: ArraySlice<String>, in value: JSONValue, fullPath: String) throws(APIError) -> JSONValue {
        guard let head = path.first else { return value }
        if case .array(let elements) = value {
            var expanded: [JSONValue] = []
            for element in elements { expanded.append(try expand(path, in: element, fullPath: fullPath)) }
            return .array(expanded)
        }
        guard case .object(var members) = value, let child = members[head] else {
            throw .invalidRequest("This property cannot be expanded (\(fullPath)).", param: "expand")
        }
        var target = child
        if case .string(let id) = child {
            guard let object = resolve(id) else {
                throw .invalidRequest("This property cannot be expanded (\(fullPath)).", param: "expand")
            }
            target = object
        } else if child.isNull {
            return value
        }
        members[head] = try expand(path.dropFirst(), in: target, fullPath: fullPath)
        return .object(members)
    }
}
