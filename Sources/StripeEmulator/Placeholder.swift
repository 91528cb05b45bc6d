import StripeAPI
