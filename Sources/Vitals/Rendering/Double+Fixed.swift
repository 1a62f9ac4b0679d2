extension Double {
    /// The value with exactly `digits` decimals, e.g. `0.010` for `0.01` and 3; no locale, no Foundation.
    func fixed(_ digits: Int) -> String {
        guard isFinite else { return description }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((abs(self) * Double(scale)).rounded())
        let whole = String(scaled / scale)
        let fraction = String(scaled % scale)
        let sign = self < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + whole }
        return sign + whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
