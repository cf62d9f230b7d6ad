from django.dispatch import Signal, receiver
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from playground.models import Product

# Sent when a product page is shown, with product=<Product> and request=<HttpRequest>.
product_viewed = Signal()


def view_product(request, pk):
    product = get_object_or_404(Product, pk=pk)
    # Announce the view here. A receiver that fails must not break this page.
    return HttpResponse(product.name)


@receiver(product_viewed, sender=Product)
def count_view(sender, product, **kwargs):
    # Add one to this product's views in the database, with an F() expression.
    pass
