"""Reference solution: two small Keras models for digit images.

``build_mlp`` is a multilayer perceptron on flattened pixels; ``build_cnn``
is a small convolutional network on images with a channel axis. Both end in
a softmax over the classes and are compiled with the categorical
cross-entropy, so they are trained on one-hot labels.

Keras is imported inside the functions, so that this module imports (and its
neighbours can be graded) on a machine without TensorFlow.
"""


def build_mlp(num_pixels=784, num_classes=10):
    """A compiled multilayer perceptron for flattened images.

    Parameters
    ----------
    num_pixels : int, optional
        The length of a flattened image (``28 * 28 = 784`` for MNIST).
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    model : keras.Model
        Input ``(num_pixels,)`` -> ``Dense(num_pixels, relu)`` ->
        ``Dense(num_classes, softmax)``, compiled with optimizer ``"adam"``,
        loss ``"categorical_crossentropy"`` and metrics ``["accuracy"]``.

    Examples
    --------
    >>> model = build_mlp()
    >>> model.count_params()  # (784 * 784 + 784) + (784 * 10 + 10)
    623290
    >>> model.output_shape
    (None, 10)
    """
    # Keras is imported here, not at the top: importing TensorFlow takes
    # seconds and fails where it is not installed, and only this function
    # needs it.
    import keras

    model = keras.Sequential([
        keras.Input(shape=(num_pixels,)),
        # A hidden Dense layer with one unit per pixel, relu.
        # Every unit sees every pixel (num_pixels weights + a bias each); relu
        # (max(0, z)) makes the model non-linear, so that two layers can do
        # more than one linear layer could.
        keras.layers.Dense(num_pixels, activation="relu"),
        # The output layer: one unit per class, softmax.
        # Softmax turns the class scores into probabilities that sum to 1.
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    # Compile: adam, categorical cross-entropy, accuracy.
    # Categorical cross-entropy is -log(probability given to the true class),
    # computed from one-hot labels; it is the natural loss for a softmax.
    # Adam adapts the step size of every weight, a robust default.
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def build_cnn(input_shape=(28, 28, 1), num_classes=10):
    """A compiled small convolutional network for images.

    Parameters
    ----------
    input_shape : tuple of int, optional
        The shape ``(H, W, C)`` of one image.
    num_classes : int, optional
        The number of classes.

    Returns
    -------
    model : keras.Model
        ``Conv2D(32, 5, padding="same", relu)`` -> ``MaxPooling2D(2)`` ->
        ``Dropout(0.2)`` -> ``Flatten`` -> ``Dense(128, relu)`` ->
        ``Dense(num_classes, softmax)``, compiled with optimizer ``"adam"``,
        loss ``"categorical_crossentropy"`` and metrics ``["accuracy"]``.

    Examples
    --------
    >>> model = build_cnn()
    >>> model.count_params()  # 832 + 0 + 0 + 0 + 802944 + 1290
    805066
    >>> [layer.output.shape for layer in model.layers[:2]]
    [(None, 28, 28, 32), (None, 14, 14, 32)]
    """
    # Imported inside the function, as in build_mlp.
    import keras

    model = keras.Sequential([
        keras.Input(shape=tuple(input_shape)),
        # 32 filters of 5 x 5, "same" padding, relu.
        # A filter is a small pattern detector (5*5*C weights + a bias) slid
        # over the whole image, so it finds a stroke wherever it is, with far
        # fewer weights than a Dense layer. "same" pads the border with
        # zeros so that the output keeps the input's height and width.
        keras.layers.Conv2D(32, 5, padding="same", activation="relu"),
        # Max pooling over 2 x 2 windows.
        # Keeping the largest response of each 2 x 2 window halves height and
        # width: fewer numbers later, and a little tolerance to small shifts.
        keras.layers.MaxPooling2D(2),
        # Dropout of 20 %.
        # During training, a random 20 % of the values are set to zero (the
        # rest scaled up), so the network cannot rely on any single feature:
        # a regulariser against overfitting. It does nothing at prediction.
        keras.layers.Dropout(0.2),
        # Flatten the feature maps and classify them with Dense layers.
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    # Compile exactly as the MLP.
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
