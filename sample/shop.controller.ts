import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { userKeyOf } from '../lib/core/flags/flag-user.js';
import { FlagInputs, FlagValue, SwitchActive, SwitchValue, TrackMetric } from '../lib/nest/index.js';

/** An order, as `POST /checkout` answers it. */
export interface Order {
  variant: string;
  amount: number;
  discountPercent: number;
  total: number;
}

/** Guarded routes, a redirect, a custom exception, param decorators and a tracked checkout. */
@Controller()
export class ShopController {
  constructor(private readonly flagInputs: FlagInputs) {}

  /** Who the request is for: the request inputs the module built from the headers. */
  @Get()
  index(): unknown {
    return {
      app: 'Switchyard sample',
      user: userKeyOf(this.flagInputs.user) ?? null,
      inputs: this.flagInputs.inputs,
    };
  }

  /** A global switch: on for everyone until an admin turns it off. */
  @Get('home')
  @SwitchActive('new_homepage')
  home(): unknown {
    return { page: 'new home page' };
  }

  @Get('search')
  search(): unknown {
    return { page: 'search' };
  }

  /** A disabled switch that redirects (302) to the new page instead of answering 404. */
  @Get('search/legacy')
  @SwitchActive('legacy_search', { redirectTo: '/search' })
  legacySearch(): unknown {
    return { page: 'legacy search' };
  }

  /** A disabled switch that answers with a custom exception (503). */
  @Get('gift-cards')
  @SwitchActive('gift_cards', { exception: new ServiceUnavailableException('Gift cards are coming soon') })
  giftCards(): unknown {
    return { page: 'gift cards' };
  }

  /** Flag values and a switch state as handler parameters, for the request's user. */
  @Get('checkout')
  checkout(
    @FlagValue('checkout-v2', 'control') variant: string,
    @FlagValue('discount-percent', 0) discountPercent: number,
    @FlagValue('dark-mode', false) darkMode: boolean,
    @SwitchValue('express_shipping') expressShipping: boolean,
  ): unknown {
    return {
      user: userKeyOf(this.flagInputs.user) ?? null,
      variant,
      discountPercent,
      darkMode,
      expressShipping,
    };
  }

  /** A tracked checkout: `checkout-completed` is recorded with the order total, only when the order succeeds. */
  @Post('checkout')
  @TrackMetric('checkout-completed', { value: (order) => (order as Order).total })
  placeOrder(
    @Body() body: { amount?: unknown },
    @FlagValue('checkout-v2', 'control') variant: string,
    @FlagValue('discount-percent', 0) discountPercent: number,
  ): Order {
    const amount = Number(body?.amount);
    if (!Number.isFinite(amount) || amount <= 0) {
      throw new BadRequestException('amount must be a positive number');
    }
    const total = Math.round(amount * (100 - discountPercent)) / 100;
    return { variant, amount, discountPercent, total };
  }
}
