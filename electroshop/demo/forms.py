"""Forms of the demo storefront."""
from django import forms

from electroshop.demo.checkout import Delivery

COUNTRIES = [("GB", "United Kingdom"), ("IE", "Ireland"), ("FR", "France"), ("DE", "Germany"), ("NL", "Netherlands"),
             ("ES", "Spain"), ("IT", "Italy"), ("US", "United States")]
# The demo takes no payment: the method is recorded on the order like a real shop's would be.
PAYMENT_METHODS = [("card", "Card"), ("paypal", "PayPal"), ("apple_pay", "Apple Pay")]


class CheckoutForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Full name",
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    address = forms.CharField(max_length=300, label="Address",
                              widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}))
    postcode = forms.CharField(max_length=20, label="Postcode",
                               widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = forms.ChoiceField(choices=COUNTRIES, initial="GB")
    payment_method = forms.ChoiceField(choices=PAYMENT_METHODS, initial="card", widget=forms.RadioSelect,
                                       label="Payment (no payment is taken in the demo)")

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def delivery(self) -> Delivery:
        return Delivery(**self.cleaned_data)
