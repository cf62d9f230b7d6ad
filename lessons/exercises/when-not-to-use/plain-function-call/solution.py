from playground.models import Review


def average_rating(product):
    ratings = list(Review.objects.filter(product=product).values_list("rating", flat=True))
    if not ratings:
        raise ValueError(f"{product.name} has no reviews yet")
    return sum(ratings) / len(ratings)


def rating_label(product):
    """What the product page shows under the product's name."""
    # One caller, one function, a result it needs: a plain call, and its errors reach us.
    try:
        average = average_rating(product)
    except ValueError:
        return "No reviews yet"
    return f"{average:.1f} out of 5"
