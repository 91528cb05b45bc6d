import Foundation

extension JSONValue {
    /// Decodes this value as `T` (by re-encoding it; used for `data.object`, which is small).
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: JSONEncoder().encode(self))
    }
}
