"""kupon: coupon and promotion backend for Korean online shops."""
