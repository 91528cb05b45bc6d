import StripeAPI

extension EmulatorState {
    func createProduct(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["name", "description", "active", "metadata", "images", "shippable", "url", "id"])
        let id = try parameters.string("id", maxLength: 100) ?? makeID("prod_", length: 14)
        guard products[id] == nil else {
            throw .invalidRequest("Product already exists.", param: "id", code: "resource_already_exists")
        }
        let product = ProductRecord(
            id: id, created: nowSeconds, name: try parameters.requiredString("name", maxLength: 250),
            description: try parameters.string("description"), active: try parameters.bool("active") ?? true,
            metadata: try parameters.metadata(), images: try parameters.strings("images", maxCount: 8) ?? [],
            shippable: try parameters.bool("shippable"), url: try parameters.string("url"))
        products[id] = product
        emit("product.created", object: product.json, cause: call)
        return product.json
    }

    func retrieveProduct(_ id: String) throws(APIError) -> JSONValue {
        guard let product = products[id] else { throw .missing("product", id) }
        return product.json
    }

    func listProducts(_ call: APICall) throws(APIError) -> JSONValue {
        let page = try Page(products.newestFirst, id: \.id, parameters: call.parameters, resource: "product")
        return try page.json(url: "/v1/products") { $0.json }
    }

    func createPrice(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "product", "product_data", "currency", "unit_amount", "active", "metadata", "nickname", "lookup_key", "recurring",
            "transfer_lookup_key",
        ])
        let productID: String
        if let productData = try parameters.object("product_data") {
            productID = try createInlineProduct(productData).id
        } else {
            productID = try parameters.requiredString("product")
            guard products[productID] != nil else { throw .missingReference("product", productID, param: "product") }
        }
        var recurring: PriceRecord.Recurring?
        if let given = try parameters.object("recurring") {
            try given.allowOnly(["interval", "interval_count", "usage_type"])
            let interval = try given.requiredString("interval")
            guard PriceRecord.Recurring.intervals.contains(interval) else {
                throw .invalidRequest("Invalid recurring[interval]: must be one of day, week, month or year.", param: "recurring[interval]")
            }
            let count = try given.int("interval_count", range: 1...365) ?? 1
            guard interval != "year" || count <= 3, interval != "month" || count <= 36, interval != "week" || count <= 156 else {
                throw .invalidRequest("The maximum billing interval is three years.", param: "recurring[interval_count]")
            }
            recurring = PriceRecord.Recurring(interval: interval, intervalCount: count)
        }
        let lookupKey = try parameters.string("lookup_key", maxLength: 200)
        if let lookupKey, let holder = prices.oldestFirst.first(where: { $0.lookupKey == lookupKey }) {
            // `transfer_lookup_key=true` moves the key from the price that has it, as Stripe does.
            guard try parameters.bool("transfer_lookup_key") == true else {
                throw .invalidRequest(
                    "A price (\(holder.id)) already uses that lookup key.", param: "lookup_key", code: "lookup_key_already_exists")
            }
            prices[holder.id]?.lookupKey = nil
        }
        var price = PriceRecord(
            id: makeID("price_"), created: nowSeconds, productID: productID,
            currency: try Self.currency(parameters.requiredString("currency"), param: "currency"),
            unitAmount: try parameters.int("unit_amount", required: true)!, active: try parameters.bool("active") ?? true,
            metadata: try parameters.metadata(), nickname: try parameters.string("nickname"),
            lookupKey: lookupKey)
        price.recurring = recurring
        prices[price.id] = price
        if products[productID]?.defaultPrice == nil { products[productID]?.defaultPrice = price.id }
        emit("price.created", object: price.json, cause: call)
        return try expansion.apply(parameters.expansions(), to: price.json)
    }

    func retrievePrice(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard let price = prices[id] else { throw .missing("price", id) }
        return try expansion.apply(call.parameters.expansions(), to: price.json)
    }

    func listPrices(_ call: APICall) throws(APIError) -> JSONValue {
        var all = prices.newestFirst
        if let product = try call.parameters.string("product") { all = all.filter { $0.productID == product } }
        if let active = try call.parameters.bool("active") { all = all.filter { $0.active == active } }
        if let keys = try call.parameters.strings("lookup_keys", maxCount: 10) { all = all.filter { $0.lookupKey.map(keys.contains) ?? false } }
        if let type = try call.parameters.string("type") { all = all.filter { ($0.recurring == nil ? "one_time" : "recurring") == type } }
        let page = try Page(all, id: \.id, parameters: call.parameters, resource: "price")
        return try expansion.apply(call.parameters.expansions(), to: page.json(url: "/v1/prices") { $0.json })
    }

    /// `product_data` on a price or a session line: a product created on the fly.
    func createInlineProduct(_ data: Parameters) throws(APIError) -> ProductRecord {
        try data.allowOnly(["name", "description", "metadata", "images"])
        let product = ProductRecord(
            id: makeID("prod_", length: 14), created: nowSeconds, name: try data.requiredString("name", maxLength: 250),
            description: try data.string("description"), active: true, metadata: try data.metadata(),
            images: try data.strings("images", maxCount: 8) ?? [], shippable: nil, url: nil)
        products[product.id] = product
        return product
    }

    static func currency(_ code: String, param: String) throws(APIError) -> String {
        let lowered = code.lowercased()
        guard lowered.count == 3, lowered.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidRequest("Invalid currency: \(code).", param: param)
        }
        return lowered
    }
}
