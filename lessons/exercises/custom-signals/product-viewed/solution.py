from django.db.models import F
from django.dispatch import Signal, receiver
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from playground.models import Product

# Sent when a product page is shown, with product=<Product> and request=<HttpRequest>.
product_viewed = Signal()


def view_product(request, pk):
    product = get_object_or_404(Product, pk=pk)
    # send_robust(): counting views is an extra, a failing receiver must not break the page.
    product_viewed.send_robust(sender=Product, product=product, request=request)
    return HttpResponse(product.name)


@receiver(product_viewed, sender=Product)
def count_view(sender, product, **kwargs):
    # The database adds one: no increment is lost when two views arrive at once.
    Product.objects.filter(pk=product.pk).update(views=F("views") + 1)
